//! The HTTP front end: the only module that knows axum. Adapts requests to the mock engine
//! and its answers back, adds CORS and one log line per request.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, Cors, CorsLayer};
use tower_layer::Layer;
use tower_service::Service;

use crate::mock::{Engine, Fault, MockRequest, MockResponse, problem_document};

mod faults;
mod outgoing;
use crate::proxy::Proxy;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// CORS headers on every answer (`--no-cors`, or Prism's `--cors=false`, turns them off).
    pub cors: bool,
    /// How long after its operation's answer a callback is sent (`--callback-delay`).
    pub callback_delay: std::time::Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            body_limit: 10 * 1024 * 1024,
            cors: true,
            callback_delay: std::time::Duration::ZERO,
        }
    }
}

struct AppState {
    engine: Engines,
    options: HttpOptions,
    /// Sends callbacks and webhooks.
    client: reqwest::Client,
}

/// The engine an app answers with, which `serve --watch` replaces while the app serves: each
/// request is answered by the engine it started with, so one in flight during a reload
/// finishes on the contract it began with.
pub type Engines = Arc<ArcSwap<Engine>>;

/// The router: every request goes to the engine through one fallback handler (the engine
/// routes with its own table, see `contract::routes`).
pub fn app(engine: Arc<Engine>, options: HttpOptions) -> Router {
    app_with_reloads(Arc::new(ArcSwap::new(engine)), options)
}

/// [`app`] answering with whichever engine `engines` holds at each request's start.
pub fn app_with_reloads(engines: Engines, options: HttpOptions) -> Router {
    let cors = options.cors.then(|| cors_layer(&engines.load()));
    let client = outgoing::client(std::time::Duration::from_secs(10));
    let state = Arc::new(AppState {
        engine: engines,
        options,
        client,
    });
    let cors = cors.map(|layer| layer.layer(Dispatch(state.clone())));
    Router::new()
        .fallback(front_door)
        .with_state(Arc::new(FrontDoor { state, cors }))
}

/// What the one handler holds: the state every answer is made from, and the same dispatch
/// behind tower-http's CORS layer for the requests that are CORS requests (shared: axum
/// clones a handler's state for each request).
struct FrontDoor {
    state: Arc<AppState>,
    cors: Option<Cors<Dispatch>>,
}

/// [`dispatch`] as a tower service, for the CORS layer to wrap.
#[derive(Clone)]
struct Dispatch(Arc<AppState>);

impl Service<Request> for Dispatch {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let state = self.0.clone();
        Box::pin(async move { Ok(dispatch(State(state), request).await) })
    }
}

/// Which requests go through the CORS layer. tower-http's layer answers every OPTIONS as a
/// preflight; one without `Access-Control-Request-Method` is not a preflight and goes to the
/// contract (405 with `Allow` when the path declares no OPTIONS operation). A request without
/// `Origin` is no CORS request (browsers send `Origin` on every cross-origin call), so CORS
/// headers would tell its client nothing: it skips the layer, which cost a create an eighth
/// of its time, and its answer says with `Vary` that one with an `Origin` is answered
/// differently, as the layer's answers say. The layer is called only for CORS requests
/// (rather than around every request, deciding in a middleware): wrapping every request in
/// a middleware cost each a clone of the service it wraps.
async fn front_door(State(door): State<Arc<FrontDoor>>, request: Request) -> Response {
    let headers = request.headers();
    let is_preflight = headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let Some(cors) = &door.cors else {
        return dispatch(State(door.state.clone()), request).await;
    };
    if request.method() == Method::OPTIONS && !is_preflight {
        return dispatch(State(door.state.clone()), request).await;
    }
    if !headers.contains_key(header::ORIGIN) {
        let mut response = dispatch(State(door.state.clone()), request).await;
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static(CORS_VARY));
        return response;
    }
    match cors.clone().call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The request headers a CORS answer depends on, as tower-http's layer names them.
const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

/// Browsers on any origin may call every operation, with credentials, and read every
/// response header the contracts declare.
fn cors_layer(engine: &Engine) -> CorsLayer {
    let mut exposed: Vec<HeaderName> = vec![HeaderName::from_static("sl-violations")];
    for compiled in &engine.contract().apis {
        for operation in &compiled.api.operations {
            for response in &operation.responses {
                for header in &response.headers {
                    if let Ok(name) = HeaderName::try_from(header.name.to_ascii_lowercase())
                        && !exposed.contains(&name)
                    {
                        exposed.push(name);
                    }
                }
            }
        }
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .allow_credentials(true)
        .expose_headers(exposed)
        .max_age(std::time::Duration::from_secs(3600))
}

async fn dispatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let connection = parts
        .extensions
        .get::<ConnectInfo<faults::Connection>>()
        .map(|info| info.0.clone());
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    // The engine this request is answered by, start to end, whatever a reload swaps in.
    let engine = state.engine.load_full();
    let answer = match body_within(body, state.options.body_limit).await {
        Ok(body) => {
            let request = MockRequest {
                method: parts.method.as_str().to_ascii_uppercase(),
                path: path.clone(),
                query: parts.uri.query().unwrap_or_default().to_string(),
                headers: parts.headers,
                body,
            };
            let answer = answer_off_the_runtime_if_slow(&engine, request).await;
            // A delay waits on a timer: no thread, no lock is held meanwhile.
            if let Some(delay) = answer.delay {
                tokio::time::sleep(delay).await;
            }
            send_outgoing(&state, &engine, answer).await
        }
        Err(too_large) => too_large,
    };
    log_schema_errors(engine.contract());
    if let Some(line) = &answer.log {
        tracing::warn!(target: "understudy::mock", "{line}");
    }
    tracing::info!(
        target: "understudy::http",
        method = %method,
        path = %path,
        operation = answer.operation.as_deref().unwrap_or("-"),
        status = answer.status,
        latency_us = started.elapsed().as_micros() as u64,
    );
    match answer.fault {
        None => into_response(answer, method == Method::HEAD),
        // Never answered: the client's own time-out ends it.
        Some(Fault::Timeout) => std::future::pending().await,
        Some(Fault::Drip(over)) => {
            let body = answer.body.clone();
            let mut response = into_response(answer, method == Method::HEAD);
            *response.body_mut() = faults::drip(body, over);
            response
        }
        Some(fault) => match connection {
            Some(connection) if connection.fail(fault) => into_response(answer, false),
            // Without a connection of its own (an app called in-process) there is nothing to
            // reset or close: say so rather than pretend.
            _ => into_response(
                problem_document(
                    503,
                    Some("FAULT_NEEDS_A_CONNECTION"),
                    "The fault needs a real connection",
                    format!("{fault:?} is carried out on a TCP connection of `serve`"),
                    None,
                ),
                false,
            ),
        },
    }
}

/// Sends the requests an answer asks for: callbacks after it (not awaited), or the webhook an
/// admin call fired, whose result becomes the answer.
async fn send_outgoing(
    state: &AppState,
    engine: &Arc<Engine>,
    mut answer: MockResponse,
) -> MockResponse {
    for call in std::mem::take(&mut answer.outgoing) {
        if call.report {
            answer = outgoing::send_and_report(engine, &state.client, call).await;
        } else {
            let delay = state.options.callback_delay;
            let sending = outgoing::send_later(engine.clone(), state.client.clone(), call, delay);
            tokio::spawn(sending);
        }
    }
    answer
}

/// The engine's answer. Most answers take microseconds and are made right here; one that may
/// take milliseconds (see [`Engine::may_block`]) is made on tokio's blocking pool, so that the
/// other connections this worker serves do not wait for it. A read of one object from a store
/// across the network is fetched ahead (awaited, not blocked on) and then answered here too:
/// a hop to the blocking pool and back cost more than the read.
async fn answer_off_the_runtime_if_slow(
    engine: &Arc<Engine>,
    request: MockRequest,
) -> MockResponse {
    if let Some(prefetching) = engine.prefetch(&request)
        // A fetch that failed is made again below, which answers 503 if it fails again.
        && let Ok(prefetched) = prefetching.await
        && let Some(answer) = engine.handle_prefetched(&request, &prefetched)
    {
        return answer;
    }
    if !engine.may_block(&request) {
        return engine.handle(&request);
    }
    let engine = engine.clone();
    match tokio::task::spawn_blocking(move || engine.handle(&request)).await {
        Ok(answer) => answer,
        // The engine does not panic; if it ever did, the panic goes on as it would have here.
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => problem_document(
            503,
            Some("SHUTTING_DOWN"),
            "The server is shutting down",
            "The request was cancelled before it was answered".into(),
            None,
        ),
    }
}

/// Logs, once each, the schemas the last requests found not to compile.
fn log_schema_errors(contract: &crate::contract::Contract) {
    for message in contract.take_schema_errors() {
        tracing::warn!(target: "understudy::contract", "{message}; it accepts everything");
    }
}

/// The request body; the 413 for one over `limit` bytes, a 400 for one that cannot be read
/// (a client sending `Transfer-Encoding: chunked` over a body it did not encode so, as
/// Schemathesis does where a document declares that header: it was called too large).
async fn body_within(body: Body, limit: usize) -> Result<Bytes, MockResponse> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let error = error.into_inner();
        if error.is::<http_body_util::LengthLimitError>() {
            return problem_document(
                413,
                Some("PAYLOAD_TOO_LARGE"),
                "Request body too large",
                format!("The request body exceeds the limit of {limit} bytes"),
                None,
            );
        }
        problem_document(
            400,
            Some("UNREADABLE_BODY"),
            "Request body unreadable",
            format!("The request body could not be read as its headers frame it: {error}"),
            None,
        )
    })
}

fn into_response(answer: MockResponse, is_head: bool) -> Response {
    let mut response = Response::new(if is_head {
        Body::empty()
    } else {
        Body::from(answer.body)
    });
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    *response.headers_mut() = answer.headers;
    let headers = response.headers_mut();
    if !answer.warnings.is_empty()
        && let Ok(json) = serde_json::to_string(&answer.warnings)
        && let Ok(value) = HeaderValue::try_from(truncate_violations(json))
    {
        headers.insert(HeaderName::from_static("sl-violations"), value);
    }
    response
}

/// Prism truncates `sl-violations` at about 8 KB with this prefix.
fn truncate_violations(json: String) -> String {
    const LIMIT: usize = 8 * 1024;
    if json.len() <= LIMIT {
        return json;
    }
    let mut cut = LIMIT;
    while !json.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("Too many violations! {}", &json[..cut])
}

/// The validating proxy's router: every request is forwarded through [`Proxy`].
pub fn proxy_app(proxy: Arc<Proxy>, options: HttpOptions) -> Router {
    Router::new()
        .fallback(forward)
        .with_state(Arc::new(ProxyState { proxy, options }))
}

struct ProxyState {
    proxy: Arc<Proxy>,
    options: HttpOptions,
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let answer = match body_within(body, state.options.body_limit).await {
        Ok(body) => {
            let query = parts.uri.query().unwrap_or_default();
            state
                .proxy
                .exchange(parts.method.as_str(), &path, query, parts.headers, body)
                .await
        }
        Err(too_large) => too_large,
    };
    log_schema_errors(state.proxy.contract());
    tracing::info!(
        target: "understudy::proxy",
        method = %method,
        path = %path,
        operation = answer.operation.as_deref().unwrap_or("-"),
        status = answer.status,
        violations = answer.warnings.len(),
        latency_us = started.elapsed().as_micros() as u64,
    );
    into_response(answer, method == Method::HEAD)
}

/// Why a server stopped.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
}

/// Binds `address`, tells `listening` the real address (`--port 0` picks a free one; the
/// commands print it, and tests read it from the first line), and serves `app` until Ctrl-C.
pub fn listen(
    address: std::net::SocketAddr,
    app: Router,
    listening: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ListenError> {
    // On one core (a container's quota, `taskset`), a multi-threaded scheduler only adds
    // hand-offs between its worker and the IO driver: measured 1.1× the throughput with the
    // current-thread scheduler there.
    let one_core = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    let runtime = if one_core {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    }
    .map_err(ListenError::Serve)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| ListenError::Bind {
                address: address.to_string(),
                source,
            })?;
        let address = listener.local_addr().map_err(ListenError::Serve)?;
        listening(address);
        serve(listener, app).await.map_err(ListenError::Serve)
    })
}

/// Serves `app` on `listener` until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    let listener = faults::FaultyListener(listener);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<faults::Connection>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
