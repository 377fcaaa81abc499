//! A minimal HTTP/1.1 server on loopback for the devnet's test servers: real sockets, real
//! status codes and headers, and the faults real servers show (a stall, a body cut off).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub stall: Option<Duration>,
    /// Announce the whole body but send only half of it, then close.
    pub truncate: bool,
    /// Send this many bytes of whitespace before the body, without a Content-Length (the
    /// body runs to the end of the connection): a valid answer of any size, that only a cap
    /// on the size can refuse.
    pub padding: u64,
    /// Send the body a byte at a time, this long apart.
    pub trickle: Option<Duration>,
}

impl Response {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::raw(status, "application/json", body.to_string().into_bytes())
    }

    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body,
            stall: None,
            truncate: false,
            padding: 0,
            trickle: None,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Binds a free loopback port and serves `handler` on a thread of its own (so the server keeps
/// answering while a test blocks). The server stops when the returned guard drops.
pub fn spawn(handler: Handler) -> std::io::Result<ServerGuard> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            let accept = async {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    // The head and the body go out in two writes: without this, Nagle's
                    // algorithm holds the body until the client's delayed ACK (40 ms a
                    // response), which no real API server makes a client wait.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve(stream, handler.clone()));
                }
            };
            tokio::select! {
                _ = accept => {}
                _ = stop_rx => {}
            }
        });
    });
    Ok(ServerGuard {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

pub struct ServerGuard {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.lines();
            let mut first = lines.next()?.split_whitespace();
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| {
                    l.split_once(':')
                        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                })
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let mut chunk = [0u8; 16384];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..end + 4 + length);
            return Some(Request {
                method,
                target,
                headers,
            });
        }
        let mut chunk = [0u8; 16384];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        404 => "Not Found",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve(mut stream: TcpStream, handler: Handler) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        let response = handler(&request);
        if let Some(stall) = response.stall {
            tokio::time::sleep(stall).await;
        }
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            response.status,
            reason(response.status)
        );
        if response.padding == 0 {
            head.push_str(&format!("content-length: {}\r\n", response.body.len()));
        } else {
            head.push_str("connection: close\r\n");
        }
        for (k, v) in &response.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        if response.padding > 0 {
            let _ = write_padded(&mut stream, response.padding, &response.body).await;
            return; // the end of the connection ends the body
        }
        if let Some(every) = response.trickle {
            let _ = write_trickle(&mut stream, &response.body, every).await;
            continue;
        }
        let body = if response.truncate {
            &response.body[..response.body.len() / 2]
        } else {
            &response.body[..]
        };
        if stream.write_all(body).await.is_err() || response.truncate {
            return;
        }
    }
}

/// `padding` bytes of whitespace in 64 KiB writes, then `body`: stops at the first failed
/// write (the client hung up, as it should on a body past its cap).
pub(crate) async fn write_padded(
    stream: &mut TcpStream,
    padding: u64,
    body: &[u8],
) -> std::io::Result<()> {
    let block = vec![b' '; 64 * 1024];
    let mut left = padding;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        stream.write_all(&block[..n]).await?;
        left -= n as u64;
    }
    stream.write_all(body).await?;
    stream.flush().await
}

/// `body` one byte at a time, `every` apart.
pub(crate) async fn write_trickle(
    stream: &mut TcpStream,
    body: &[u8],
    every: Duration,
) -> std::io::Result<()> {
    for byte in body {
        stream.write_all(std::slice::from_ref(byte)).await?;
        stream.flush().await?;
        tokio::time::sleep(every).await;
    }
    Ok(())
}
