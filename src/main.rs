//! The `regkb` binary: set up logging, hand over to the command line.

use std::process::ExitCode;

/// mimalloc instead of the system allocator: a check request allocates and
/// frees many small values (record, facts, findings) and one large response
/// buffer; glibc's malloc spent about a quarter of the server's CPU on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REGKB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    regkb::cli::run()
}

/// Rust ignores SIGPIPE, so `println!` panics when a reader such as `head`
/// closes the pipe early. A command-line tool should just stop quietly, as
/// every Unix tool does; restoring the default handler gives exactly that.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists;
    // SIG_DFL is a valid handler for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
