//! `cld-test-server`: the TEST DOUBLE of Cloudinary's Upload API (see the library docs).
//!
//! ```sh
//! source signer/tests/fixtures/test-env.sh
//! cld-test-server --config signer/tests/fixtures/test-config.toml --listen 127.0.0.1:18789
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut config = "signer/tests/fixtures/test-config.toml".to_owned();
    let mut listen = "127.0.0.1:18789".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--config", Some(v)) => config = v,
            ("--listen", Some(v)) => listen = v,
            _ => {
                eprintln!("usage: cld-test-server [--config PATH] [--listen ADDR]");
                return ExitCode::from(2);
            }
        }
    }
    let text = match std::fs::read_to_string(&config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cld-test-server: cannot read {config}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let accounts = match cld_test_server::accounts_from_config(&text, |k| std::env::var(k).ok()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cld-test-server: {config}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cld-test-server: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!("cld-test-server (TEST DOUBLE of Cloudinary's Upload API) listening on http://{listen}, {} api keys", accounts.len());
        match cld_test_server::serve(listener, cld_test_server::TestServer::new(accounts)).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cld-test-server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
