//! `cld-signer`: serves the signing endpoint on `--listen ADDR` (default `127.0.0.1:8787`).

use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = "127.0.0.1:8787".parse().expect("default address");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => {
                let v = args.next().unwrap_or_default();
                listen = match v.parse() {
                    Ok(addr) => addr,
                    Err(_) => {
                        eprintln!(
                            "cld-signer: --listen needs an address like 127.0.0.1:8787, not {v:?}"
                        );
                        std::process::exit(2);
                    }
                }
            }
            other => {
                eprintln!("cld-signer: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cld-signer: cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "cld-signer listening on http://{}",
        listener.local_addr().expect("bound")
    );
    axum::serve(listener, cloudinary_connector_signer::app())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server");
}
