//! A minimal HTTP/1.1 client (one request per connection) for the server's JSON API, so the
//! tests need no HTTP client crate.

use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_str(&self.body).with_context(|| format!("not JSON: {}", self.body))
    }
}

pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> anyhow::Result<Response> {
    request_with(addr, method, path, body, &[]).await
}

/// A request with extra headers (e.g. `Authorization`).
pub async fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> anyhow::Result<Response> {
    let mut stream = TcpStream::connect(addr).await?;
    request_over(&mut stream, addr, method, path, body, headers).await
}

/// A request over a connection the caller opened (one that holds its place under the server's
/// connection caps, say); the server closes it after answering.
pub async fn request_over(
    stream: &mut TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> anyhow::Result<Response> {
    let body = body.unwrap_or("");
    let extra: String = headers.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8(raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").context("no end of headers")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked =
        headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Ok(Response { status, headers, body })
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The answer of `POST /api/rooms`.
#[derive(Debug, Clone)]
pub struct CreatedRoom {
    pub room_id: String,
    pub facilitator_key: String,
    pub participant_url: String,
    pub viewer_url: String,
    pub facilitator_url: String,
}

pub async fn create_room(addr: SocketAddr, body: &str) -> anyhow::Result<CreatedRoom> {
    let response = request(addr, "POST", "/api/rooms", Some(body)).await?;
    created(&response)
}

/// The links in the answer to `POST /api/rooms` (an error unless it is `201 Created`).
pub fn created(response: &Response) -> anyhow::Result<CreatedRoom> {
    anyhow::ensure!(response.status == 201, "create room: {} {}", response.status, response.body);
    let json = response.json()?;
    let field = |name: &str| json[name].as_str().map(str::to_owned).with_context(|| format!("no {name}"));
    Ok(CreatedRoom {
        room_id: field("room_id")?,
        facilitator_key: field("facilitator_key")?,
        participant_url: field("participant_url")?,
        viewer_url: field("viewer_url")?,
        facilitator_url: field("facilitator_url")?,
    })
}
