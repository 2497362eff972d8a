//! Searches read to their end, and never beyond the hospital: a hand-written FHIR server (two
//! pages of Schedules) stands in for a hospital whose `next` links the client must follow, or
//! must refuse when they lead elsewhere.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use hale_client::{ClientError, HospitalClient, Session};
use serde_json::json;

/// Each request line the server saw, and whether it carried the patient's token.
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

/// Serves page 1 (whose `next` is `next_link`, with `{origin}` and `{port}` filled in) and page 2 of a
/// Schedule search, recording each request line and whether it carried the token.
fn two_page_server(next_link: &'static str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let here = origin.clone();
    let port = listener.local_addr().unwrap().port().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut authorized = false;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header
                    .to_ascii_lowercase()
                    .starts_with("authorization: bearer t0ken")
                {
                    authorized = true;
                }
                if header == "\r\n" || header.is_empty() {
                    break;
                }
            }
            log.lock().unwrap().push((line.clone(), authorized));
            let schedule = |id: &str, code: &str, name: &str| {
                json!({"resource": {"resourceType": "Schedule", "id": id,
                    "serviceType": [{"coding": [{"code": code, "display": name}]}],
                    "actor": [{"reference": format!("Practitioner/p-{id}"), "display": "Dr X"}]}})
            };
            let body = if line.contains("page=2") {
                json!({"resourceType": "Bundle", "type": "searchset",
                    "entry": [schedule("b", "394582007", "Dermatology")]})
            } else {
                json!({"resourceType": "Bundle", "type": "searchset",
                    "link": [{"relation": "next",
                              "url": next_link.replace("{origin}", &here)
                                                .replace("{port}", &port)}],
                    "entry": [schedule("a", "394579002", "Cardiology")]})
            }
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (origin, seen)
}

#[tokio::test]
async fn a_search_longer_than_one_page_is_read_to_its_end() {
    let (origin, seen) = two_page_server("{origin}/fhir/Schedule?page=2");
    let client = HospitalClient::new(&format!("{origin}/fhir")).unwrap();
    let session = Session::new("t0ken", "pt-1");
    let services = client.services(&session).await.unwrap();
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Cardiology", "Dermatology"]);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_next_page_on_another_server_is_refused_and_the_token_not_sent_there() {
    // The "other server" is this one under another name: were the link followed, it would
    // be seen here, with the patient's token.
    let (origin, seen) = two_page_server("http://localhost:{port}/fhir/Schedule?page=2");
    let client = HospitalClient::new(&format!("{origin}/fhir")).unwrap();
    let session = Session::new("t0ken", "pt-1");
    let refused = client.services(&session).await;
    assert!(
        matches!(refused, Err(ClientError::InvalidResponse(_))),
        "{refused:?}"
    );
    let requests = seen.lock().unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].1, "the first page was asked with the token");
}
