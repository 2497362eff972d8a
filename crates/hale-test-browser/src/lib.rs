//! Test support only: what a patient does in a web browser on the hospital's sign-in page.
//!
//! It opens the authorization URL, checks the sign-in form is there, posts the name and password
//! with the request's own parameters, and follows the hospital's redirect wherever it points (the
//! app's loopback listener). The binary `hale-test-browser URL` does the same as a `$BROWSER`
//! for end-to-end journeys, with the login from `HALE_TEST_BROWSER_LOGIN` (`name:password`).

use url::Url;

/// The sign-in form's mark on the hospital's page.
const FORM: &str = r#"<form method="post" action="/auth/authorize">"#;

/// Signs in at `authorize` as `username`; returns the HTTP status of the page the browser ends
/// on (the app's "you can go back" page is 200).
pub async fn sign_in(authorize: &Url, username: &str, password: &str) -> Result<u16, String> {
    let browser = reqwest::Client::new();
    let page = browser
        .get(authorize.clone())
        .send()
        .await
        .map_err(|e| format!("the sign-in page did not open: {e}"))?;
    if page.status() != 200 {
        return Err(format!("the sign-in page answered {}", page.status()));
    }
    // The form's CSRF cookie goes back with the post, as a browser sends it.
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let html = page.text().await.map_err(|e| e.to_string())?;
    if !html.contains(FORM) {
        return Err("the page has no sign-in form".into());
    }
    let csrf = hidden_value(&html, "csrf").ok_or("the form has no CSRF token")?;
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("csrf".into(), csrf));
    let post_to = authorize
        .join("/auth/authorize")
        .map_err(|e| e.to_string())?;
    let done = browser
        .post(post_to)
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("posting the form failed: {e}"))?;
    Ok(done.status().as_u16())
}

/// The value of the hidden input `name` in `html`.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let mark = format!(r#"name="{name}" value=""#);
    let at = html.find(&mark)? + mark.len();
    html[at..].split('"').next().map(str::to_owned)
}
