//! The `horseshoe` binary; everything it does is in the library (`horseshoe::cli`).

fn main() -> anyhow::Result<()> {
    horseshoe::cli::main()
}
