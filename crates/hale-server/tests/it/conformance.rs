//! The server as an independent FHIR R4 client finds it: what the RESTful API says a server
//! SHALL do with searches, versions, methods and formats, and what its CapabilityStatement
//! declares. Each test is named after a finding of the second security review.

use crate::common::*;
use hale_server::demo::seed::DEMO_PATIENT;
use serde_json::Value;

async fn get_url(h: &Hospital, token: &str, url: &str) -> (u16, Value) {
    let r = h.http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn search_bundles_carry_a_self_link_full_urls_search_modes_and_a_total() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, bundle) = h
        .get(&alex, "Slot?status=free&service-type=394579002&_count=3")
        .await;
    assert_eq!(status, 200, "{bundle}");
    let base = h.server.fhir_base();
    let self_link = link(&bundle, "self").expect("a self link");
    assert!(
        self_link.starts_with(&format!("{base}/Slot?")),
        "{self_link}"
    );
    assert!(self_link.contains("service-type=394579002"), "{self_link}");
    let next = link(&bundle, "next").expect("a next link");
    assert!(
        next.starts_with("http://"),
        "next links are absolute: {next}"
    );
    for entry in bundle["entry"].as_array().unwrap() {
        let resource = &entry["resource"];
        let expected = format!(
            "{base}/{}/{}",
            resource["resourceType"].as_str().unwrap(),
            resource["id"].as_str().unwrap()
        );
        assert_eq!(entry["fullUrl"], expected.as_str());
        let mode = match resource["resourceType"].as_str() {
            Some("Slot") => "match",
            _ => "include",
        };
        assert_eq!(entry["search"]["mode"], mode, "{entry}");
    }
    // A search that fits one page says how many it found.
    let (_, plans) = h.get(&alex, "MedicationRequest").await;
    let found = entries(&plans, "MedicationRequest").len();
    assert!(found > 0);
    assert_eq!(plans["total"], found as u64, "{plans}");
}

#[tokio::test]
async fn an_unknown_search_parameter_is_left_out_of_the_self_link_and_refused_when_strict() {
    // Regression: `Slot?_id=…` returned unfiltered slots and said nothing.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, lenient) = h.get(&alex, "Slot?status=free&_id=sl-1").await;
    assert_eq!(status, 200);
    let self_link = link(&lenient, "self").unwrap();
    assert!(!self_link.contains("_id"), "{self_link}");
    assert!(self_link.contains("status=free"), "{self_link}");
    let strict = h
        .http
        .get(h.url("Slot?status=free&_id=sl-1"))
        .bearer_auth(&alex)
        .header("prefer", "handling=strict")
        .send()
        .await
        .unwrap();
    assert_eq!(strict.status(), 400);
    let outcome: Value = strict.json().await.unwrap();
    let said = outcome["issue"][0]["diagnostics"].as_str().unwrap();
    assert!(said.contains("'_id'"), "{said}");
}

#[tokio::test]
async fn appointment_and_prescription_searches_page_by_count_to_the_last_match() {
    // Regression: `_count` was ignored by Appointment and MedicationRequest.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    for kind in ["Appointment", "MedicationRequest"] {
        let (_, whole) = h.get(&alex, kind).await;
        let all: Vec<String> = entries(&whole, kind).iter().map(id).collect();
        assert!(all.len() >= 3, "{kind}: the demo patient has several");
        let (status, mut page) = h.get(&alex, &format!("{kind}?_count=2")).await;
        assert_eq!(status, 200, "{page}");
        let mut paged = Vec::new();
        loop {
            let these = entries(&page, kind);
            assert!(these.len() <= 2, "{kind}: {page}");
            paged.extend(these.iter().map(id));
            match link(&page, "next") {
                Some(next) => {
                    assert!(page["total"].is_null(), "no total before the end");
                    page = get_url(&h, &alex, next).await.1;
                }
                None => {
                    assert_eq!(page["total"], all.len() as u64);
                    break;
                }
            }
        }
        assert_eq!(paged, all, "{kind}: every match once, in order");
    }
}

#[tokio::test]
async fn an_appointment_has_a_version_an_etag_and_a_location_under_its_history() {
    // Regression: no meta.versionId or lastUpdated, no ETag, and `Location: Appointment/{id}`.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let slot = id(&h.free_slots(&alex, &weeks_ahead(3)).await[0]);
    let created = h
        .http
        .post(h.url("Appointment"))
        .bearer_auth(&alex)
        .json(&serde_json::json!({
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": format!("Slot/{slot}")}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(created.headers()["etag"], "W/\"1\"");
    assert!(created.headers().contains_key("last-modified"));
    let appointment: Value = created.json().await.unwrap();
    let booked = id(&appointment);
    assert_eq!(
        location,
        format!("{}/Appointment/{booked}/_history/1", h.server.fhir_base())
    );
    assert_eq!(appointment["meta"]["versionId"], "1");
    assert!(appointment["meta"]["lastUpdated"].is_string());
    // The Location can be read.
    let (status, read) = get_url(&h, &alex, &location).await;
    assert_eq!(status, 200, "{read}");
    // A change is a new version; the old one is not kept.
    let (status, cancelled) = h
        .post(
            &alex,
            &format!("Appointment/{booked}/$cancel"),
            serde_json::json!({"resourceType": "Parameters"}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["meta"]["versionId"], "2");
    let read = h
        .http
        .get(h.url(&format!("Appointment/{booked}")))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(read.headers()["etag"], "W/\"2\"");
    let (now, _) = h
        .get(&alex, &format!("Appointment/{booked}/_history/2"))
        .await;
    assert_eq!(now, 200);
    let (then, outcome) = h
        .get(&alex, &format!("Appointment/{booked}/_history/1"))
        .await;
    assert_eq!(then, 404, "{outcome}");
}

#[tokio::test]
async fn a_method_a_resource_does_not_take_is_405_naming_the_ones_it_does() {
    // Regression: DELETE, PUT and PATCH were 403, which says "not you" rather than "not this".
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (_, bundle) = h.get(&alex, "Appointment").await;
    let appointment = id(&entries(&bundle, "Appointment")[0]);
    for method in [
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
    ] {
        let r = h
            .http
            .request(method.clone(), h.url(&format!("Appointment/{appointment}")))
            .bearer_auth(&alex)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET", "{method}");
        let outcome: Value = r.json().await.unwrap();
        assert_eq!(outcome["resourceType"], "OperationOutcome");
    }
    let r = h
        .http
        .delete(h.url("Appointment"))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn xml_asked_for_is_not_acceptable_rather_than_answered_in_json() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, outcome) = h.get(&alex, "Appointment?_format=xml").await;
    assert_eq!(status, 406, "{outcome}");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let by_accept = h
        .http
        .get(h.url("metadata"))
        .header("accept", "application/fhir+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.status(), 406);
    let (status, _) = h.get(&alex, "Appointment?_format=json").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_uri_too_long_is_a_414_operation_outcome() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, outcome) = h
        .get(
            &alex,
            &format!("Slot?status=free&start={}", "9".repeat(20_000)),
        )
        .await;
    assert_eq!(status, 414);
    assert_eq!(outcome["issue"][0]["code"], "too-long");
}

#[tokio::test]
async fn the_capability_statement_declares_encounters_operations_transactions_and_smart() {
    // Regression: Encounter, the three operations, `transaction` and `oauth-uris` were missing.
    let h = hospital().await;
    let statement: Value = h
        .http
        .get(h.url("metadata"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rest = &statement["rest"][0];
    let resource = |kind: &str| {
        rest["resource"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("{kind} is not declared"))
    };
    let encounter = resource("Encounter");
    assert!(encounter["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "read"));
    let appointment = resource("Appointment");
    let operations: Vec<&str> = appointment["operation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["cancel", "reschedule", "check-in"]);
    assert_eq!(appointment["versioning"], "versioned");
    // Booking is a conditional create, so that a retry books once at any server.
    assert_eq!(appointment["conditionalCreate"], true);
    // What FHIR has no words for, in Hale's extension: the app hides what is not declared.
    let features: Vec<&str> = rest["extension"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["url"] == hale_fhir::capability::PATIENT_FEATURE_URL)
        .map(|e| e["valueCode"].as_str().unwrap())
        .collect();
    assert_eq!(features, ["waiting-times", "parking", "waitlist"]);
    assert!(rest["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "transaction"));
    let oauth = rest["security"]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
        })
        .expect("SMART's oauth-uris");
    let token = oauth["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "token")
        .unwrap();
    assert_eq!(
        token["valueUri"],
        format!("http://{}/auth/token", h.server.addr).as_str()
    );
    // Every declared search-type is a route that answers a search.
    let alex = h.token(&DEMO_PATIENT).await;
    for r in rest["resource"].as_array().unwrap() {
        let searchable = r["interaction"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "search-type");
        if searchable {
            let kind = r["type"].as_str().unwrap();
            let (status, body) = h.get(&alex, kind).await;
            assert_eq!(status, 200, "{kind}: {body}");
            assert_eq!(body["type"], "searchset", "{kind}");
        }
    }
}

#[tokio::test]
async fn a_forwarded_scheme_is_believed_from_the_hospitals_own_proxies_only() {
    // Regression: any client's `X-Forwarded-Proto` chose the scheme of the URLs the server
    // writes (discovery, search links, Location).
    let token_uri = |h: &Hospital| {
        let request = h
            .http
            .get(format!(
                "http://{}/.well-known/smart-configuration",
                h.server.addr
            ))
            .header("x-forwarded-proto", "https")
            .send();
        async move {
            let body: Value = request.await.unwrap().json().await.unwrap();
            body["token_endpoint"].as_str().unwrap().to_owned()
        }
    };
    let open = hospital().await;
    assert!(token_uri(&open).await.starts_with("http://"));
    let proxied =
        hospital_configured(|o| o.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    assert!(token_uri(&proxied).await.starts_with("https://"));
}
