//! `$BROWSER` for end-to-end journeys: `hale-test-browser URL` signs in at URL with the login in
//! `HALE_TEST_BROWSER_LOGIN` (`name:password`) and exits 0 when the browser ends on a 200 page.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: hale-test-browser URL");
        return ExitCode::from(2);
    };
    let login = std::env::var("HALE_TEST_BROWSER_LOGIN").unwrap_or_default();
    let Some((username, password)) = login.split_once(':') else {
        eprintln!("hale-test-browser: set HALE_TEST_BROWSER_LOGIN=name:password");
        return ExitCode::from(2);
    };
    let url = match url::Url::parse(&url) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("hale-test-browser: not a URL: {e}");
            return ExitCode::from(2);
        }
    };
    match hale_test_browser::sign_in(&url, username, password).await {
        Ok(200) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("hale-test-browser: ended on HTTP {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("hale-test-browser: {e}");
            ExitCode::FAILURE
        }
    }
}
