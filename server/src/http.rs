//! HTTP: the router, the JSON API for scripts and the page, the embedded static client, and the
//! security headers on every response.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use horseshoe_protocol::limits::MAX_TITLE_CHARS;
use horseshoe_protocol::text::{Lines, clean};
use horseshoe_protocol::{Language, Lens, RoomId, RoomState, Settings};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::AppState;
use crate::forwarded::Client;
use crate::report;
use crate::room::{RoomMsg, now_ms};
use crate::secret;
use crate::store::RoomRecord;
use crate::ws;

/// Largest JSON body the API accepts.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// The browser client, embedded so that the single binary runs anywhere.
#[derive(RustEmbed)]
#[folder = "../web/"]
#[exclude = "node_modules/*"]
#[exclude = "*.d.ts"]
#[exclude = "tsconfig.json"]
struct Assets;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub fn router(app: AppState) -> Router {
    let router = Router::new()
        .route("/", get(index))
        .route("/r/{room}", get(index))
        .route("/r/{room}/wall", get(index))
        .route("/r/{room}/report", get(index))
        .route("/app/{*path}", get(asset))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/server", get(server_info))
        .route("/api/rooms", post(create_room))
        .route("/api/rooms/{room}", get(room_summary))
        .route("/api/rooms/{room}/ws", get(ws::upgrade))
        .route("/api/rooms/{room}/report.json", get(report_json))
        .route("/api/rooms/{room}/report.md", get(report_md))
        .route("/api/rooms/{room}/report.csv", get(report_csv))
        .route("/api/rooms/{room}/duplicate", post(duplicate_room));
    // The bench-only relay exists only in builds made for the benchmarks.
    #[cfg(feature = "bench-relay")]
    let router = router.route("/bench/relay/{room}", get(crate::relay::upgrade));
    router
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        (header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn index() -> Response {
    asset_response("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    asset_response(&path)
}

fn asset_response(path: &str) -> Response {
    let Some(file) = Assets::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A JSON error body: `{"error": "..."}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct Error {
        error: String,
    }
    (status, Json(Error { error: message.into() })).into_response()
}

async fn metrics(State(app): State<AppState>) -> Response {
    let text = app.registry.metrics.render(app.registry.loaded(), app.websockets.open(), app.tcp.open());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn healthz(State(app): State<AppState>) -> Response {
    match app.registry.store.check_writable().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, format!("store not writable: {e}")),
    }
}

/// What the home page needs to know before it offers to create a room.
async fn server_info(State(app): State<AppState>) -> Response {
    #[derive(Serialize)]
    struct ServerInfo {
        /// Whether creating a room requires `--create-key`.
        create_key: bool,
    }
    Json(ServerInfo { create_key: app.create_key_hash.is_some() }).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRoom {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    organisation: Option<String>,
    #[serde(default)]
    lens: Option<Lens>,
    #[serde(default)]
    language: Option<Language>,
}

#[derive(Debug, Serialize)]
struct Created {
    room_id: RoomId,
    facilitator_key: String,
    facilitator_url: String,
    participant_url: String,
    viewer_url: String,
}

async fn create_room(
    State(app): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = creation_limited(&app, &client) {
        return refused;
    }
    if let Some(expected) = &app.create_key_hash {
        let given = bearer(&headers).map(secret::hash);
        if !given.is_some_and(|given| secret::same_hash(&given, expected)) {
            let mut refused = error(
                StatusCode::UNAUTHORIZED,
                "this server asks for its create key to make rooms (Authorization: Bearer <key>)",
            );
            refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return refused;
        }
    }
    let request: CreateRoom = if body.iter().all(u8::is_ascii_whitespace) {
        CreateRoom::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => {
                return error(StatusCode::BAD_REQUEST, format!("not a valid room request: {e}"));
            }
        }
    };
    let mut settings = Settings::default();
    for (field, value, target) in [
        ("title", request.title, &mut settings.title),
        ("organisation", request.organisation, &mut settings.organisation),
    ] {
        if let Some(value) = value {
            match clean(field, &value, MAX_TITLE_CHARS, Lines::One) {
                Ok(text) => *target = text,
                Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.message),
            }
        }
    }
    settings.lens = request.lens.unwrap_or_default();
    settings.language = request.language.unwrap_or_default();

    create(&app, &headers, settings).await
}

/// The per-address room creation limit: `429` with `Retry-After` past it.
fn creation_limited(app: &AppState, client: &Client) -> Option<Response> {
    app.room_creates.take(client.ip, tokio::time::Instant::now()).err().map(|wait| {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        tracing::info!(client = %client.ip, "room creation rate limited");
        let mut refused = error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many rooms created from your address: try again in {secs} s"),
        );
        if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
            refused.headers_mut().insert(header::RETRY_AFTER, value);
        }
        refused
    })
}

/// The credential of `Authorization: Bearer <credential>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Makes a room with `settings` and answers with its links.
async fn create(app: &AppState, headers: &HeaderMap, settings: Settings) -> Response {
    let (id, key) =
        match (secret::random_hex(secret::ROOM_ID_BYTES), secret::random_hex(secret::SECRET_BYTES)) {
            (Ok(id), Ok(key)) => (id, key),
            _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available"),
        };
    let Some(room_id) = RoomId::parse(&id) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "room id has the wrong form");
    };
    let record = RoomRecord { id: room_id.clone(), facilitator_key_hash: secret::hash(&key) };
    let state = RoomState::new(room_id.clone(), settings, now_ms());
    if let Err(e) = app.registry.store.create_room(record, state).await {
        tracing::error!(error = %e, "cannot create room");
        return error(StatusCode::SERVICE_UNAVAILABLE, "the room could not be saved");
    }
    tracing::info!(room = %room_id, "room created");
    let base = base_url(app, headers);
    let created = Created {
        facilitator_url: format!("{base}/r/{room_id}#key={key}"),
        participant_url: format!("{base}/r/{room_id}"),
        viewer_url: format!("{base}/r/{room_id}/wall"),
        room_id,
        facilitator_key: key,
    };
    (StatusCode::CREATED, Json(created)).into_response()
}

/// The base of the links: the configured public URL, else the request's own host.
fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &app.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn room_summary(State(app): State<AppState>, Path(room): Path<String>) -> Response {
    let Some(id) = RoomId::parse(&room) else {
        return error(StatusCode::NOT_FOUND, "no such room: check the link");
    };
    let Some(handle) = app.registry.get(&id) else {
        return error(StatusCode::NOT_FOUND, "no such room: check the link");
    };
    let (reply, answer) = oneshot::channel();
    if handle.tx.send(RoomMsg::Summary { reply }).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the room is restarting: try again");
    }
    match answer.await {
        Ok(summary) => Json(summary).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "no such room: check the link"),
    }
}

/// The room's state for the holder of its facilitator key (`Authorization: Bearer <key>`).
async fn authorized_room(
    app: &AppState,
    room: &str,
    headers: &HeaderMap,
) -> Result<Box<RoomState>, Response> {
    let Some(id) = RoomId::parse(room) else {
        return Err(error(StatusCode::NOT_FOUND, "no such room: check the link"));
    };
    let key = bearer(headers).ok_or_else(|| {
        error(StatusCode::UNAUTHORIZED, "send the facilitator key as Authorization: Bearer <key>")
    })?;
    let Some(handle) = app.registry.get(&id) else {
        return Err(error(StatusCode::NOT_FOUND, "no such room: check the link"));
    };
    let (reply, answer) = oneshot::channel();
    let msg = RoomMsg::Report { key: key.to_owned(), reply };
    if handle.tx.send(msg).await.is_err() {
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, "the room is restarting: try again"));
    }
    match answer.await {
        Ok(Ok(state)) => Ok(state),
        Ok(Err(rejection)) => Err(error(StatusCode::UNAUTHORIZED, rejection.message)),
        Err(_) => Err(error(StatusCode::NOT_FOUND, "no such room: check the link")),
    }
}

fn download(mime: &'static str, room: &RoomState, extension: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"horseshoe-{}.{extension}\"", room.id);
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn report_json(State(app): State<AppState>, Path(room): Path<String>, headers: HeaderMap) -> Response {
    #[derive(Serialize)]
    struct Report {
        generated_at: i64,
        room: Box<RoomState>,
    }
    match authorized_room(&app, &room, &headers).await {
        Ok(room) => {
            let mut response = Json(Report { generated_at: now_ms(), room }).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(response) => response,
    }
}

async fn report_md(State(app): State<AppState>, Path(room): Path<String>, headers: HeaderMap) -> Response {
    match authorized_room(&app, &room, &headers).await {
        Ok(room) => {
            let body = report::markdown(&room, &report::utc(now_ms()));
            download("text/markdown; charset=utf-8", &room, "md", body)
        }
        Err(response) => response,
    }
}

async fn report_csv(State(app): State<AppState>, Path(room): Path<String>, headers: HeaderMap) -> Response {
    match authorized_room(&app, &room, &headers).await {
        Ok(room) => download("text/csv; charset=utf-8", &room, "csv", report::csv(&room)),
        Err(response) => response,
    }
}

/// "Run it again": a new, empty room with this room's settings.
/// Not subject to the create key (the facilitator of a room may run it again), but to the
/// creation rate.
async fn duplicate_room(
    State(app): State<AppState>,
    Path(room): Path<String>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    match authorized_room(&app, &room, &headers).await {
        Ok(room) => match creation_limited(&app, &client) {
            None => create(&app, &headers, room.settings.clone()).await,
            Some(refused) => refused,
        },
        Err(response) => response,
    }
}
