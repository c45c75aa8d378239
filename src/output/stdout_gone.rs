//! Noticing that stdout's reader has gone (`| head -1` finished) while nothing is being
//! written, so a run with nothing more to print still stops. A write to a closed pipe fails
//! on every system anyway; this is for the quiet stretches.

/// Resolves once stdout is a pipe whose reader has gone; never resolves for terminals and
/// files. Unix: the pipe's write end reports an error condition (polled by the runtime).
#[cfg(unix)]
pub async fn stdout_gone() {
    use std::os::fd::AsFd;
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;
    let watch = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        // SAFETY: the AsyncFd owns a duplicate descriptor (an OwnedFd), which stays open and
        // the same for the AsyncFd's whole life.
        .and_then(|fd| unsafe { AsyncFd::register_with_interest(fd, Interest::ERROR) }.ok());
    match watch {
        Some(fd) => {
            if fd.ready(Interest::ERROR).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// Windows: a pipe gives no readiness notice, so stdout is peeked at twice a second;
/// `ERROR_BROKEN_PIPE` means the reader has gone. Consoles and files fail the peek
/// otherwise, and are not watched.
#[cfg(windows)]
pub async fn stdout_gone() {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Pipes::PeekNamedPipe;
    const ERROR_BROKEN_PIPE: i32 = 109;
    let handle = std::io::stdout().as_raw_handle() as usize;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tick.tick().await;
        let mut available = 0u32;
        // SAFETY: a peek of zero bytes into no buffer, on stdout's handle, which lives as long
        // as the process.
        let ok = unsafe {
            PeekNamedPipe(
                handle as _,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut available,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            match std::io::Error::last_os_error().raw_os_error() {
                Some(ERROR_BROKEN_PIPE) => return,
                _ => std::future::pending::<()>().await,
            }
        }
    }
}

#[cfg(not(any(unix, windows)))]
pub async fn stdout_gone() {
    std::future::pending().await
}
