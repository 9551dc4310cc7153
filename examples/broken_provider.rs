//! Serves the broken provider of the contract tests (`tests/providers/broken.rs`) on a real
//! socket, so that `scripts/versus_schemathesis` can point Schemathesis and `understudy check`
//! at the same planted defects.

#[path = "../tests/providers/broken.rs"]
mod broken;

use clap::Parser;

/// The broken provider of `tests/fixtures/provider.yaml`, on 127.0.0.1.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0: any free one, printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, broken::broken_provider()).await
}
