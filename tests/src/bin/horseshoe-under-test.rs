//! The server as a real process, for the tests that kill it (the same code as `horseshoe`).

fn main() -> anyhow::Result<()> {
    horseshoe::cli::main()
}
