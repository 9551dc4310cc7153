//! The engine: a request in, a response out. It routes, checks the request, and answers
//! from stored state (`stored`) where the operation is bound to a resource, else from the
//! contract (examples, or values generated from the schemas).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::admin;
use super::cache::stable_hash;
use super::from_contract::ContractAnswers;
use super::generated::GeneratedValues;
use super::journal::{Journal, JournalEntry, Pairs};
use super::message::{MockRequest, MockResponse, OutgoingCall, SESSION_HEADER, SlViolation};
use super::options::{EngineOptions, RequestValidation};
use super::outgoing::{self, Exchange};
use super::prefer;
use super::problem::{ProblemKind, problem, store_unavailable};
use super::reject::{reject, sl_violation};
use super::shadows::follow_shadowed;
use super::stored::{
    Answering, Place, StatefulCall, StoredAnswer, StoredAnswers, seed, storage_name,
};
use super::stubs::{StubCall, Stubs, refused_note};
use crate::contract::{
    Action, CompiledApi, Contract, Operation, RouteEntry, RouteMatch, StatusKey,
};
use crate::headers;
use crate::state::{
    self, DEFAULT_SESSION, Key, MemoryStore, Prefetched, Prefetching, Store, StoreError,
};
use crate::validate::{CheckedRequest, ObservedRequest, check_request, cookie_pairs};
use crate::violation::Violation;

/// Stored objects above which listing a collection counts as slow: sorting and filtering
/// this many takes about a tenth of a millisecond.
const LARGE_LIST: usize = 2_000;

/// The operation a request means on a route (see `RouteEntry::operation_for`).
fn operation_for(entry: &RouteEntry, request: &MockRequest) -> Option<usize> {
    entry.operation_for(&request.method, |name, value| {
        headers::carries(&request.query, &request.headers, name, value)
    })
}

/// Path parameters as their values read (percent-decoded).
fn decoded(params: &[(String, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                percent_decode_str(v).decode_utf8_lossy().into_owned(),
            )
        })
        .collect()
}

/// What answering a request worked out that the journal keeps too.
#[derive(Default)]
struct Heard {
    path_params: Vec<(String, String)>,
    json_body: Option<Value>,
    /// A form body read into its schema's shape (the journal keeps JSON bodies only).
    form_body: Option<Value>,
}

/// Answering needs stored data that was not fetched ahead (see [`Engine::handle_prefetched`]).
struct WouldWait;

/// The mock: answers requests from the contract, and from the stored state of operations
/// bound to resources.
pub struct Engine {
    contract: Arc<Contract>,
    /// Per API and operation: whether it has been answered once (see [`Engine::may_block`]).
    warmed: Vec<Vec<AtomicBool>>,
    /// Per operation: whether the log already said why one of its answers was made to fit.
    repair_logged: Vec<Vec<AtomicBool>>,
    options: EngineOptions,
    from_contract: ContractAnswers,
    /// Generated values for fixed seeds (header values).
    generated: GeneratedValues,
    stored: StoredAnswers,
    store: Arc<dyn Store>,
    journal: Journal,
    /// Kept across reloads, as the store is.
    stubs: Arc<Stubs>,
    /// Requests answered, numbering the seeded draws of `--delay`.
    answered: AtomicU64,
    /// Requests considered, numbering the seeded draws of `--chaos`.
    chaos_draws: AtomicU64,
}

impl Engine {
    /// An engine with its sessions in memory (`options.max_sessions` of them).
    pub fn new(contract: Arc<Contract>, options: EngineOptions) -> Engine {
        let store = Arc::new(MemoryStore::new(options.max_sessions));
        Engine::with_store(contract, options, store)
    }

    /// An engine keeping its sessions in `store`.
    pub fn with_store(
        contract: Arc<Contract>,
        options: EngineOptions,
        store: Arc<dyn Store>,
    ) -> Engine {
        let flags = || -> Vec<Vec<AtomicBool>> {
            contract
                .apis
                .iter()
                .map(|compiled| {
                    let operations = compiled.api.operations.len();
                    (0..operations).map(|_| AtomicBool::new(false)).collect()
                })
                .collect()
        };
        let (warmed, repair_logged) = (flags(), flags());
        let journal = Journal::new(options.journal_size, contract.secret_names());
        Engine {
            contract,
            warmed,
            repair_logged,
            options,
            from_contract: ContractAnswers::default(),
            generated: GeneratedValues::default(),
            stored: StoredAnswers::default(),
            store,
            journal,
            stubs: Arc::default(),
            answered: AtomicU64::new(0),
            chaos_draws: AtomicU64::new(0),
        }
    }

    /// This engine with `stubs` (a reload keeps the stubs registered before it).
    pub fn with_stubs(mut self, stubs: Arc<Stubs>) -> Engine {
        self.stubs = stubs;
        self
    }

    pub fn stubs(&self) -> &Arc<Stubs> {
        &self.stubs
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// `serve --seed-from-examples`: stores the contract's example objects in the default
    /// session; returns how many.
    pub fn seed_from_examples(&self) -> usize {
        state::write(self.store.as_ref(), DEFAULT_SESSION, |data| {
            seed::from_examples(&self.contract, data)
        })
        .unwrap_or(0)
    }

    /// The session a request names (header, then cookie), or the default one.
    fn session_name(request: &MockRequest) -> String {
        if let Some(name) = request
            .header(SESSION_HEADER)
            .filter(|n| !n.trim().is_empty())
        {
            return name.trim().to_string();
        }
        cookie_pairs(&request.headers)
            .find(|(name, _)| name.eq_ignore_ascii_case(SESSION_HEADER))
            .map(|(_, value)| value.to_string())
            .unwrap_or_else(|| DEFAULT_SESSION.to_string())
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Whether answering `request` may take long enough to stall the other connections of an
    /// async worker, so that the HTTP layer runs it where blocking is allowed: an operation's
    /// first request (its validators are compiled and its default bodies generated on first
    /// use, 0.1 s on large cyclic documents), lists of large stored collections (7–78 ms over
    /// 100k objects), the admin API's state dumps and loads, and every request that reads or
    /// changes stored objects when the store is across the network (Redis).
    pub fn may_block(&self, request: &MockRequest) -> bool {
        if self.is_admin(request) {
            return request.path.contains("state") || self.store.is_remote();
        }
        let Some(route) = self
            .contract
            .routes
            .find_for(&request.path, &request.method)
        else {
            return false;
        };
        let Some(op_index) = operation_for(route.entry, request) else {
            return false;
        };
        if !self.warmed[route.entry.api][op_index].load(Ordering::Relaxed) {
            return true;
        }
        let (api, operation) = self.contract.operation(route.entry.api, op_index);
        let Some(binding) = operation.binding.as_ref().filter(|_| self.options.stateful) else {
            return false;
        };
        // A store across the network waits on every call.
        if self.store.is_remote() {
            return true;
        }
        if binding.action != Action::List {
            return false;
        }
        let resource = &api.api.resources[binding.resource];
        let storage = storage_name(&api.api.name, resource);
        let session = Self::session_name(request);
        let stored =
            state::read(self.store.as_ref(), &session, |data| data.count(&storage)).unwrap_or(0);
        stored > LARGE_LIST
    }

    /// The status this request fails with under `--chaos`: drawn (seeded) for the given
    /// share of requests, a 5xx or 429 the operation declares; `None` for the rest, and for
    /// operations that declare no such failure (chaos never breaks the contract).
    fn chaos(&self, operation: &Operation) -> Option<u16> {
        if self.options.chaos <= 0.0 {
            return None;
        }
        let n = self.chaos_draws.fetch_add(1, Ordering::Relaxed);
        let draw = stable_hash(&[&self.options.seed.to_string(), "chaos", &n.to_string()]);
        if (draw % 1_000_000) as f64 >= self.options.chaos * 1_000_000.0 {
            return None;
        }
        operation.responses.iter().find_map(|r| match r.status {
            StatusKey::Code(code) if code == 429 || (500..600).contains(&code) => Some(code),
            StatusKey::Range(5) => Some(503),
            _ => None,
        })
    }

    fn place<'a>(&'a self, session: &'a str, ahead: Option<&'a Prefetched>) -> Place<'a> {
        Place {
            store: self.store.as_ref(),
            session,
            ahead,
        }
    }

    /// Whether `request` is for the admin API rather than a contract.
    fn is_admin(&self, request: &MockRequest) -> bool {
        self.options.admin && request.path.starts_with(admin::PREFIX)
    }

    pub fn handle(&self, request: &MockRequest) -> MockResponse {
        // Without data fetched ahead, the store waits for what it needs: never `WouldWait`.
        self.handle_with(request, None)
            .unwrap_or_else(|WouldWait| store_unavailable(&StoreError::WouldWait))
    }

    /// Fetches ahead, without blocking, what answering `request` reads from a store across
    /// the network: the object a read of one stored object answers with. `None`: nothing to
    /// fetch (or the answer is more than a read, and goes to the blocking pool).
    pub fn prefetch(&self, request: &MockRequest) -> Option<Prefetching> {
        if !self.store.is_remote() || self.is_admin(request) || !self.options.stateful {
            return None;
        }
        let route = self
            .contract
            .routes
            .find_for(&request.path, &request.method)?;
        let op_index = operation_for(route.entry, request)?;
        // A first request compiles validators: it belongs on the blocking pool.
        if !self.warmed[route.entry.api][op_index].load(Ordering::Relaxed) {
            return None;
        }
        let (api, operation) = self.contract.operation(route.entry.api, op_index);
        let binding = operation
            .binding
            .as_ref()
            .filter(|b| b.action == Action::Read)?;
        let resource = &api.api.resources[binding.resource];
        let params = route.params(op_index);
        let key: Key = resource
            .keys
            .iter()
            .map(|name| {
                let (_, value) = params.iter().find(|(n, _)| n == name)?;
                Some(percent_decode_str(value).decode_utf8_lossy().into_owned())
            })
            .collect::<Option<_>>()?;
        let storage = storage_name(&api.api.name, resource);
        self.store
            .prefetch(&Self::session_name(request), vec![(storage, key)])
    }

    /// [`Engine::handle`] with what [`Engine::prefetch`] fetched, never waiting on the store;
    /// `None` when answering needs more (then `handle` it where blocking is allowed).
    pub fn handle_prefetched(
        &self,
        request: &MockRequest,
        prefetched: &Prefetched,
    ) -> Option<MockResponse> {
        self.handle_with(request, Some(prefetched)).ok()
    }

    fn handle_with(
        &self,
        request: &MockRequest,
        ahead: Option<&Prefetched>,
    ) -> Result<MockResponse, WouldWait> {
        if self.is_admin(request) {
            return Ok(admin::answer(
                request,
                &self.contract,
                self.store.as_ref(),
                &self.journal,
                &self.stubs,
            ));
        }
        let session = Self::session_name(request);
        let (mut response, heard) = self.answer(request, &session, ahead)?;
        if response.delay.is_none()
            && let Some(range) = &self.options.delay
        {
            let n = self.answered.fetch_add(1, Ordering::Relaxed);
            let draw = stable_hash(&[&self.options.seed.to_string(), &n.to_string()]);
            response.delay = Some(range.pick(draw));
        }
        self.journal_request(request, session, &response, heard);
        Ok(response)
    }

    /// Records the request and its answer in the journal, with what a verification matches
    /// on (path parameters, query, headers, cookies, body), secrets left out.
    fn journal_request(
        &self,
        request: &MockRequest,
        session: String,
        response: &MockResponse,
        heard: Heard,
    ) {
        if !self.journal.is_on() {
            return;
        }
        let carried = self.journal.carried(request, heard.json_body);
        self.journal.record(
            &JournalEntry {
                id: self.journal.next_id(),
                at: self.options.clock.now(),
                method: &request.method,
                path: &request.path,
                query: carried.query,
                session: &session,
                operation: response.operation.as_deref(),
                stub: response.stub.as_deref(),
                status: response.status,
                violations: &response.warnings,
                path_params: Pairs::first_wins(
                    heard
                        .path_params
                        .iter()
                        .map(|(name, value)| (name.as_str(), value.as_str())),
                ),
                headers: carried.headers,
                cookies: carried.cookies,
                body: carried.body,
            },
            self.store.as_ref(),
        );
    }

    /// After a reload: drops every stored object that no longer fits this engine's contract
    /// (see [`StoredAnswers::drop_misfits`]), and says, per resource, how many went.
    pub fn drop_stored_objects_that_no_longer_fit(&self) -> Vec<String> {
        // Without state nothing is answered from what is stored, so nothing misfits.
        if !self.options.stateful {
            return Vec::new();
        }
        let answering = Answering {
            seed: self.options.seed,
            clock: &self.options.clock,
            generated: &self.generated,
        };
        self.stored
            .drop_misfits(&self.contract, self.store.as_ref(), &answering)
    }

    /// Records a request understudy sent (a callback or a webhook) in the journal, as
    /// `GET /__understudy/requests` shows it: `session` is `outgoing`, `path` the URL.
    pub fn record_outgoing(&self, call: &OutgoingCall, status: u16, violations: Vec<SlViolation>) {
        self.journal.record(
            &JournalEntry {
                id: self.journal.next_id(),
                at: self.options.clock.now(),
                method: &call.method,
                path: &call.url,
                query: String::new(),
                session: "outgoing",
                operation: Some(&call.label),
                stub: None,
                status,
                violations: &violations,
                path_params: Pairs::default(),
                headers: Pairs::default(),
                cookies: Pairs::default(),
                body: None,
            },
            self.store.as_ref(),
        );
    }

    /// The answer to `request`, and what the journal keeps of it that answering worked out
    /// (the path parameters, the body as parsed once by the request's check).
    fn answer(
        &self,
        request: &MockRequest,
        session: &str,
        ahead: Option<&Prefetched>,
    ) -> Result<(MockResponse, Heard), WouldWait> {
        let (route, op_index) = match self.operation_of(request) {
            Ok(found) => found,
            Err(refusal) => return Ok((*refusal, Heard::default())),
        };
        let at = (route.entry.api, op_index);
        let (api, operation) = self.contract.operation(at.0, at.1);
        // Read before written: a store on every request would bounce the flag's cache line
        // between the workers.
        let warmed = &self.warmed[at.0][at.1];
        if !warmed.load(Ordering::Relaxed) {
            warmed.store(true, Ordering::Relaxed);
        }
        let path_params = route.params(op_index);
        let checked = match self.options.validate_requests {
            RequestValidation::Off => CheckedRequest::default(),
            _ => check_request(
                api,
                operation,
                &ObservedRequest {
                    path_params: &path_params,
                    query: &request.query,
                    headers: &request.headers,
                    body: &request.body,
                    credentials: &self.options.credentials,
                },
            ),
        };
        let violations = checked.violations;
        let accepted =
            violations.is_empty() || self.options.validate_requests == RequestValidation::Warn;
        let heard = Heard {
            path_params: decoded(&path_params),
            json_body: checked.json_body,
            form_body: checked.form_body,
        };
        let chaos = if accepted {
            self.chaos(operation)
        } else {
            None
        };
        let mut response = if let Some(code) = chaos {
            // A failure the contract declares, as if the real API had one: the contract's
            // own answer for that status (with its `Retry-After` when it declares one).
            let mut failing = request.clone();
            headers::set(&mut failing.headers, "prefer", &format!("code={code}"));
            self.contract_answer(&failing, at.0, at.1)
        } else if accepted {
            self.accepted_answer(request, session, ahead, at, &heard, &violations)?
        } else {
            self.refusal(request, at, &violations)
        };
        if !operation.shadows.is_empty() {
            let seed = self.options.seed ^ stable_hash(&[&operation.id, "shadows"]);
            follow_shadowed(api, operation, &mut response, seed);
        }
        // The callbacks the operation declares go out after a successful answer, to the URLs
        // the request named (the HTTP layer sends them).
        if accepted && (200..300).contains(&response.status) && !operation.callbacks.is_empty() {
            self.add_callbacks(
                request,
                at,
                &path_params,
                heard.json_body.as_ref(),
                &mut response,
            );
        }
        // The log says why an operation's answers are made to fit once, not on every read.
        if response.log.is_some() {
            let logged = &self.repair_logged[at.0][at.1];
            if logged.swap(true, Ordering::Relaxed) {
                response.log = None;
            }
        }
        response.operation = Some(operation.id.clone());
        if request.method == "HEAD" {
            response.body = Bytes::new();
        }
        // The request's own `Prefer: delay` (and `fault`), then the stub's, then the
        // operation's.
        let asked = prefer::preferences(request.header("prefer").as_deref(), &request.query)
            .unwrap_or_default();
        response.delay = asked.delay.or(response.delay).or(operation.delay);
        response.fault = asked.fault.or(response.fault);
        Ok((response, heard))
    }

    /// The route `request` is on and the operation it means there, or the problem answer
    /// saying that no path, or no method on it, is declared.
    fn operation_of(
        &self,
        request: &MockRequest,
    ) -> Result<(RouteMatch<'_>, usize), Box<MockResponse>> {
        let Some(route) = self
            .contract
            .routes
            .find_for(&request.path, &request.method)
        else {
            return Err(Box::new(problem(
                ProblemKind::NoPathMatched,
                format!(
                    "The route {} hasn't been found in the specification file",
                    request.path
                ),
            )));
        };
        if let Some(op_index) = operation_for(route.entry, request) {
            return Ok((route, op_index));
        }
        let mut allowed = route.entry.methods();
        if allowed.contains(&"GET") && !allowed.contains(&"HEAD") {
            allowed.push("HEAD");
        }
        let mut response = problem(
            ProblemKind::NoMethodMatched,
            format!(
                "The route {} exists, but no {} operation is defined on it",
                request.path, request.method
            ),
        );
        headers::set(&mut response.headers, "allow", &allowed.join(", "));
        Err(Box::new(response))
    }

    /// The answer to a request the operation accepts (or that `--validate-requests warn` lets
    /// through, with its violations as warnings): a stub's, else stored state's, else the
    /// contract's.
    fn accepted_answer(
        &self,
        request: &MockRequest,
        session: &str,
        ahead: Option<&Prefetched>,
        at: (usize, usize),
        heard: &Heard,
        violations: &[Violation],
    ) -> Result<MockResponse, WouldWait> {
        let (api, operation) = self.contract.operation(at.0, at.1);
        let body = heard.json_body.as_ref();
        let stubbed = if self.stubs.is_empty() {
            None
        } else {
            self.stubs.answer(&StubCall {
                api,
                operation,
                request,
                path_params: &heard.path_params,
                session,
                json_body: body,
                now: &self.options.clock.now(),
                seed: self.options.seed,
            })
        };
        // A stub whose rendered answer breaks the contract: the contract answers, and says why.
        let refused = match stubbed {
            Some(Ok(answer)) => {
                let mut response = answer.response;
                response.stub = Some(answer.id);
                response.delay = answer.delay;
                response.fault = answer.fault;
                response
                    .warnings
                    .extend(violations.iter().map(sl_violation));
                return Ok(response);
            }
            refused => refused.and_then(Result::err),
        };
        let place = self.place(session, ahead);
        let read = body.or(heard.form_body.as_ref());
        let mut response =
            match self.stateful_answer(request, read, &place, &heard.path_params, api, at.1)? {
                StoredAnswer::Stored(response) => response,
                StoredAnswer::Contract(note) => {
                    let mut response = self.contract_answer(request, at.0, at.1);
                    response.warnings.extend(note);
                    response
                }
            };
        response
            .warnings
            .extend(violations.iter().map(sl_violation));
        response
            .warnings
            .extend(refused.map(|(id, broken)| refused_note(&id, &broken)));
        Ok(response)
    }

    /// The answer refusing a request the operation does not accept: the one the contract
    /// declares for what is wrong with it, else the declared answer with the violations in
    /// `sl-violations` (no state is changed).
    fn refusal(
        &self,
        request: &MockRequest,
        at: (usize, usize),
        violations: &[Violation],
    ) -> MockResponse {
        let (api, operation) = self.contract.operation(at.0, at.1);
        let seed = self.options.seed ^ stable_hash(&[&operation.id, "rejection"]);
        reject(
            api,
            operation,
            &request.path,
            violations,
            seed,
            &self.generated,
        )
        .unwrap_or_else(|| {
            let mut response = self.contract_answer(request, at.0, at.1);
            response.warnings = violations.iter().map(sl_violation).collect();
            response.log = Some(format!(
                "{} declares no answer that refuses an invalid request of this kind: it gets \
                 the declared answer, the violations in sl-violations",
                operation.id
            ));
            response
        })
    }

    /// The operation's callbacks, for the HTTP layer to send after `response`; a callback
    /// that cannot be sent is a warning.
    fn add_callbacks(
        &self,
        request: &MockRequest,
        at: (usize, usize),
        path_params: &[(String, String)],
        request_body: Option<&Value>,
        response: &mut MockResponse,
    ) {
        let (api, operation) = self.contract.operation(at.0, at.1);
        let exchange = Exchange {
            request,
            path_params,
            request_body,
            answer_body: &response.body,
        };
        let seed = self.options.seed ^ stable_hash(&[&operation.id, "callbacks"]);
        let (calls, skipped) = outgoing::callbacks(api, at.1, &exchange, seed);
        response.outgoing = calls;
        response
            .warnings
            .extend(skipped.into_iter().map(|message| SlViolation {
                location: vec!["callback".into()],
                severity: "Warning",
                code: "callback".into(),
                message,
            }));
    }

    /// The contract's answer (see [`ContractAnswers::respond`]).
    fn contract_answer(
        &self,
        request: &MockRequest,
        api_index: usize,
        op_index: usize,
    ) -> MockResponse {
        let (api, operation) = self.contract.operation(api_index, op_index);
        self.from_contract.respond(
            &self.options,
            &self.generated,
            request,
            (api_index, op_index),
            api,
            operation,
        )
    }

    /// The answer from stored state, for an operation bound to a resource; `None` when state
    /// is off, the client asked for a specific mock answer (`Prefer`, `__code`…), or the
    /// operation is better answered statelessly.
    fn stateful_answer(
        &self,
        request: &MockRequest,
        body_value: Option<&Value>,
        place: &Place<'_>,
        params: &[(String, String)],
        api: &CompiledApi,
        op_index: usize,
    ) -> Result<StoredAnswer, WouldWait> {
        let Some(binding) = api.api.operations[op_index].binding.as_ref() else {
            return Ok(StoredAnswer::Contract(Vec::new()));
        };
        // A preference that cannot be read asks for the contract's answer too, which says so.
        let asks_for_mock =
            prefer::preferences(request.header("prefer").as_deref(), &request.query)
                .map_or(true, |p| p.ask_for_mock());
        if !self.options.stateful || asks_for_mock {
            return Ok(StoredAnswer::Contract(Vec::new()));
        }
        let call = StatefulCall {
            api,
            operation: &api.api.operations[op_index],
            binding,
            request,
            body_value,
            params,
        };
        let answered = self.stored.answer(
            &call,
            place,
            self.options.seed,
            &self.options.clock,
            &self.generated,
        );
        match answered {
            Ok(answer) => Ok(answer),
            Err(StoreError::WouldWait) => Err(WouldWait),
            // A store that cannot be reached changed nothing: 503 says so (a stateful
            // operation answered from the contract instead would claim a change that did not
            // happen).
            Err(e) => Ok(StoredAnswer::Stored(store_unavailable(&e))),
        }
    }
}
