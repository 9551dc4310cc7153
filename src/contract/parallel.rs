//! Two pieces of compile work on two threads, for documents large enough to pay for one.

use serde_json::Value;

/// Path items from which compiling a document uses a second thread: below it, starting one
/// costs about what it saves, and corpus workers on every core then wait on each other (the
/// median document's time rose by half).
const FROM_PATH_ITEMS: usize = 64;

/// Whether `doc` is large enough for [`join`] to run its work on two threads.
pub fn worth_a_thread(doc: &Value) -> bool {
    doc.get("paths")
        .and_then(Value::as_object)
        .is_some_and(|paths| paths.len() >= FROM_PATH_ITEMS)
}

/// `(a(), b())`, with `a` on a second thread when `parallel`; a panic in `a` goes on here.
pub fn join<A: Send, B>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    if !parallel {
        let b = b();
        return (a(), b);
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        match a.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
