//! Faults carried out on the connection (WireMock's): reset, closed without an answer, sent
//! bytes that are not HTTP, an answer trickled out, or none ever. The engine says which
//! (`MockResponse::fault`); a reset, an empty close or malformed bytes need the connection
//! itself, which axum does not hand to a handler, so every accepted stream is wrapped in a
//! [`FaultyStream`] whose switch the handler reaches through `ConnectInfo<Connection>`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::mock::Fault;

const NONE: u8 = 0;
const RESET: u8 = 1;
const EMPTY: u8 = 2;
const MALFORMED: u8 = 3;

/// Bytes a malformed answer sends: not a status line any client can read.
const NOT_HTTP: &[u8] = b"\x00\x13understudy: this is not HTTP \xff\xfe\r\n\r\n";

/// The listener `serve` uses: TCP, answers sent at once (no Nagle), and a fault switch on
/// every connection.
pub struct FaultyListener(pub TcpListener);

impl Listener for FaultyListener {
    type Io = FaultyStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, address)) => {
                    // Answers go out as soon as they are written: with Nagle's algorithm on, a
                    // small write can wait for the client's delayed ACK (tens of milliseconds).
                    let _ = stream.set_nodelay(true);
                    let stream = FaultyStream {
                        inner: stream,
                        fault: Arc::new(AtomicU8::new(NONE)),
                    };
                    return (stream, address);
                }
                // A failed accept (too many open files, a connection reset before it was
                // taken) must not stop the server: wait a little and go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose writes a fault can take over.
pub struct FaultyStream {
    inner: TcpStream,
    fault: Arc<AtomicU8>,
}

/// The fault switch of the connection a request came on.
#[derive(Clone)]
pub struct Connection(Arc<AtomicU8>);

impl Connected<IncomingStream<'_, FaultyListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, FaultyListener>) -> Self {
        Connection(stream.io().fault.clone())
    }
}

impl Connection {
    /// Makes the connection fail as `fault` says when the answer is written; `false` for a
    /// fault that is not the connection's to carry out.
    pub fn fail(&self, fault: Fault) -> bool {
        let code = match fault {
            Fault::Reset => RESET,
            Fault::Empty => EMPTY,
            Fault::Malformed => MALFORMED,
            Fault::Drip(_) | Fault::Timeout => return false,
        };
        self.0.store(code, Ordering::Release);
        true
    }
}

impl AsyncRead for FaultyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl FaultyStream {
    /// Carries out the fault switched on, if any: an error for the write that meets it.
    fn faulted(&self) -> Option<io::Error> {
        match self.fault.load(Ordering::Acquire) {
            NONE => None,
            RESET => {
                // Linger zero: closing sends RST instead of FIN (and never blocks).
                let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
                Some(io::ErrorKind::ConnectionReset.into())
            }
            MALFORMED => {
                let _ = self.inner.try_write(NOT_HTTP);
                Some(io::ErrorKind::InvalidData.into())
            }
            _ => Some(io::ErrorKind::BrokenPipe.into()),
        }
    }
}

impl AsyncWrite for FaultyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.faulted() {
            None => Pin::new(&mut self.inner).poll_write(cx, buf),
            Some(error) => Poll::Ready(Err(error)),
        }
    }

    /// Head and body in one `writev`, as hyper writes to a plain TCP stream: without it,
    /// hyper copies every body behind its head first.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.faulted() {
            None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
            Some(error) => Poll::Ready(Err(error)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `body` trickled out in pieces over `over`.
pub fn drip(body: Bytes, over: Duration) -> Body {
    const PIECES: usize = 10;
    let size = body.len().div_ceil(PIECES).max(1);
    let pieces: Vec<Bytes> = (0..body.len())
        .step_by(size)
        .map(|start| body.slice(start..(start + size).min(body.len())))
        .collect();
    let pause = over / (pieces.len().max(1) as u32);
    let stream = futures_util::stream::unfold(pieces.into_iter(), move |mut pieces| async move {
        let piece = pieces.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<_, io::Error>(piece), pieces))
    });
    Body::from_stream(stream)
}
