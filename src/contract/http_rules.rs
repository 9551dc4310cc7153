//! What HTTP itself decides and a document cannot: headers that frame a message, header names
//! no client can send, statuses that carry no body and statuses that are never an answer. Compiling leaves out what a document
//! declares against these rules, and says so in words a user can act on.

/// Headers that frame an HTTP message: the client and server set them, never the contract
/// (a declared `Content-Length` sent with another body breaks the connection).
const MESSAGE_FRAMING: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "trailer",
    "te",
];

/// Header parameters OpenAPI says "SHALL be ignored": the request body, responses and
/// security schemes say these.
const SAID_ELSEWHERE: &[&str] = &["accept", "content-type", "authorization"];

fn frames_the_message(name: &str) -> bool {
    MESSAGE_FRAMING
        .iter()
        .any(|framing| name.eq_ignore_ascii_case(framing))
}

/// Response headers a document may name but never sets: Content-Type (OpenAPI says it is
/// ignored: the media type is the content's key), Content-Encoding (Notion declares `gzip`:
/// sent over a body that is not, clients fail to decode it) and those that frame the message.
pub fn never_set_from_the_contract(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-type")
        || name.eq_ignore_ascii_case("content-encoding")
        || frames_the_message(name)
}

/// Why a header parameter named `name` is left out of the operation, if it is: OpenAPI
/// ignores Accept, Content-Type and Authorization, and HTTP frames the message with the
/// others (PeerTube declares `Content-Length`: a value generated for it and sent with another
/// body breaks the request).
pub fn ignored_header_parameter(name: &str) -> Option<String> {
    if SAID_ELSEWHERE
        .iter()
        .any(|said| name.eq_ignore_ascii_case(said))
    {
        return Some(format!(
            "header parameter {name:?} is ignored, as OpenAPI requires: describe it with the \
             request body, responses or security schemes"
        ));
    }
    frames_the_message(name).then(|| {
        format!(
            "header parameter {name:?} is ignored: HTTP frames the message with it, and the \
             client sets it"
        )
    })
}

/// Why a name cannot be a header's (HTTP allows letters, digits and a few symbols, no
/// spaces): a client cannot send such a header, and servers refuse requests that carry one.
pub fn not_a_header_name(name: &str) -> Option<String> {
    http::HeaderName::from_bytes(name.as_bytes())
        .err()
        .map(|_| {
            format!(
                "header {name:?} is not a valid HTTP header name (letters, digits and \
                 !#$%&'*+-.^_`|~ only, no spaces): no client can send it, and servers refuse \
                 requests that carry it"
            )
        })
}

/// Whether `status` can be the answer to a request. An informational status never is: 100
/// Continue, 102 Processing and 103 Early Hints only come ahead of one (hyper turns one sent
/// as the answer into a 500), and 101 Switching Protocols ends HTTP on the connection, which
/// a server may do only to a protocol the client asked for in `Upgrade` (RFC 9110, 15.2.2)
/// and which understudy does not speak.
pub fn is_final(status: u16) -> bool {
    !(100..200).contains(&status)
}

/// Why content declared for the status `code` can never be sent: HTTP gives 204, 205 and 304
/// answers no body, nor informational (1xx) ones (RFC 9110, 15.2).
pub fn bodiless_status(code: u16) -> Option<String> {
    if !is_final(code) {
        return Some(format!(
            "a {code} answer is informational: HTTP gives it no body and never sends it as \
             the answer, so the content declared for it can never be sent: declare it without \
             content"
        ));
    }
    matches!(code, 204 | 205 | 304).then(|| {
        format!(
            "a {code} answer has no body in HTTP, so the content declared for it can never be \
             sent (understudy answers {code} with none, and a client reading the declared \
             schema finds nothing): declare it without content"
        )
    })
}

/// Why an operation whose declared statuses are all server errors worries a client: a
/// valid request gets one too.
pub const ONLY_SERVER_ERRORS: &str = "every status this operation declares is a server error \
     (5xx): even a valid request is answered with one, which clients and contract tests (such \
     as Schemathesis's not_a_server_error) take for a failing server: declare its success";

/// Why an operation whose declared statuses are all informational has no answer HTTP can
/// send, and what understudy answers instead.
pub const ONLY_INFORMATIONAL: &str = "every status this operation declares is informational \
     (1xx), which HTTP sends ahead of an answer or to switch to another protocol, never as the \
     answer: no answer it declares can be sent, so understudy answers 204 with no body";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parameters_said_elsewhere_or_framing_the_message_are_ignored_in_any_case() {
        for name in [
            "Accept",
            "content-type",
            "AUTHORIZATION",
            "Content-Length",
            "TE",
        ] {
            assert!(
                ignored_header_parameter(name).is_some(),
                "expected {name:?} to be ignored, but it was kept"
            );
        }
        for name in ["X-Request-Id", "If-Match", "Accept-Language"] {
            assert_eq!(
                ignored_header_parameter(name),
                None,
                "expected {name:?} to be kept"
            );
        }
    }

    #[test]
    fn response_headers_that_frame_or_describe_the_body_are_never_set() {
        for name in ["Content-Type", "content-encoding", "Transfer-Encoding"] {
            assert!(never_set_from_the_contract(name), "{name:?} was set");
        }
        assert!(!never_set_from_the_contract("X-RateLimit-Limit"));
    }

    #[test]
    fn a_header_name_with_a_space_is_no_header_name() {
        let message = not_a_header_name("ADVICEment API Key").expect("a space is refused");
        assert!(message.contains("no client can send it"), "said: {message}");
        assert_eq!(not_a_header_name("X-Api-Key"), None);
    }

    #[test]
    fn only_statuses_without_a_body_refuse_content() {
        for code in [101, 103, 204, 205, 304] {
            assert!(bodiless_status(code).is_some(), "{code} took content");
        }
        for code in [200, 201, 404] {
            assert_eq!(bodiless_status(code), None, "{code} refused content");
        }
    }

    #[test]
    fn no_informational_status_is_an_answer_not_even_switching_protocols() {
        for code in [100, 101, 102, 103, 199] {
            assert!(!is_final(code), "{code} was taken for an answer");
        }
        for code in [200, 204, 301, 404, 500] {
            assert!(is_final(code), "{code} was not taken for an answer");
        }
    }
}
