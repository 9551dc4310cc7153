//! The stateful sequences over each inferred resource: create twice (the ids must differ),
//! list (the created object is there), read, update then read (the update shows), delete,
//! read (404), delete again.

use serde_json::Value;

use super::case::{Case, Expect, without_property};
use super::credentials::Credentials;
use super::judge::{failure, judge, send_judged};
use super::plan;
use super::send::{Answer, Shared, curl, send_recorded};
use super::shown::{holds_a_list, holds_text, mentions, shows, with_ids, written_fields};
use crate::contract::{
    Contract, ParameterLocation, View, has_flag, key_carriers, key_word, properties,
};
use crate::generate::{SATISFIABLE_SEED, generate_valid};
use crate::headers;
use crate::validate::{CheckedExchange, coerce};

/// Create, read what was created, update it, delete it, read it again (a 404 is expected).
pub(super) async fn run_chain(
    contract: &Contract,
    client: &reqwest::Client,
    credentials: &Credentials,
    seed: u64,
    shared: &Shared,
    chain: plan::Chain,
) -> Vec<CheckedExchange> {
    let mut out = Vec::new();
    let all = plan::cases(contract, credentials, seed ^ 0x5eed);
    let find = |operation: usize| {
        all.iter()
            .find(|c| {
                c.api == chain.api
                    && c.operation == operation
                    && c.expect == Expect::Accepted
                    && c.name.ends_with("(valid)")
            })
            .cloned()
    };
    let (Some(mut create_case), Some(read_case)) = (find(chain.create), find(chain.read)) else {
        return out;
    };
    create_case.name = format!("{} (chain)", create_case.name);
    let created = send_recorded(client, shared, &create_case).await;
    let key = key_param(contract, chain.api, &read_case);
    // Where the created object lives: the upsert's own path, or the id the create answered.
    let item = if chain.creates_by_upsert {
        Some(create_case.path.clone())
    } else {
        let id = created.as_ref().ok().and_then(|a| created_id(a, &key));
        id.filter(|id| id_fits(contract, chain.api, &read_case, id))
            .map(|id| item_path(contract, chain.api, &read_case, &id))
    };
    let first_id = created.as_ref().ok().and_then(|a| created_id(a, &key));
    let created_body: Option<Value> = created
        .as_ref()
        .ok()
        .and_then(|a| serde_json::from_slice(&a.body).ok());
    out.push(judge(contract, shared, &create_case, created));
    // A second create must get an id of its own, unless the client named it (Amplify's
    // `branchName`): the same name names the same object.
    let named_by_client = first_id
        .as_ref()
        .zip(create_case.body.as_ref())
        .is_some_and(|(id, body)| holds_text(body, id));
    if !chain.creates_by_upsert
        && !named_by_client
        && let Some(first_id) = &first_id
    {
        let mut again = create_case.clone();
        again.name = format!(
            "{} (second create)",
            again.name.trim_end_matches(" (chain)")
        );
        let answer = send_recorded(client, shared, &again).await;
        let second_id = answer.as_ref().ok().and_then(|a| created_id(a, &key));
        let mut checked = judge(contract, shared, &again, answer);
        if second_id.as_ref() == Some(first_id) {
            checked.failures.push(failure(
                "distinct_ids",
                format!("two creates were both given the id {first_id}"),
            ));
            checked.reproduce = Some(curl(&shared.target, &again, &shared.secrets));
        }
        out.push(checked);
    }
    let Some(item) = item else { return out };
    let at_item = |case: &Case, label: &str| Case {
        path: item.clone(),
        name: format!("{} ({label})", case.name),
        ..case.clone()
    };
    let read = at_item(&read_case, "after create");
    let mut checked = judge(
        contract,
        shared,
        &read,
        send_recorded(client, shared, &read).await,
    );
    if !(200..300).contains(&checked.status) {
        checked.failures.push(failure(
            "ensure_resource_availability",
            format!(
                "the created resource {item} was answered {}",
                checked.status
            ),
        ));
    }
    out.push(checked);
    // The collection lists what was created (unless its page is full: then it cannot tell).
    if let (Some(list_case), Some(id)) = (chain.list.and_then(find), &first_id) {
        let (mut list, size) = plan::largest_page(contract, &list_case);
        list.name = format!("{} (after create)", list.name);
        let (mut checked, body) = send_judged(contract, client, shared, &list).await;
        if (200..300).contains(&checked.status)
            && let Some(body) = body
            && !mentions(&body, id)
            // A list the created object's own fields keep it out of (Box's pending
            // collaborations, `status=pending` required, beside one created `accepted`).
            && !filtered_out(&list.query, created_body.as_ref())
            // A "list" whose answer holds no list (watchful's `GET /sites` declares one site)
            // shows one object, whichever the provider chooses.
            && holds_a_list(&body)
            && size.is_some_and(|size| (with_ids(&body) as u64) < size)
        {
            checked.failures.push(failure(
                "ensure_resource_availability",
                format!("the created resource {id} is not in the list, which is not full"),
            ));
            checked.reproduce = Some(curl(&shared.target, &list, &shared.secrets));
        }
        out.push(checked);
    }
    let update = chain.update.and_then(find).and_then(|update_case| {
        let (_, update_operation) = contract.operation(update_case.api, update_case.operation);
        let keyed_in_body = update_operation
            .binding
            .as_ref()
            .is_some_and(|b| b.key_in_body);
        match &first_id {
            // The petstore's `PUT /pet`: the body, not the path, names the object. A body
            // whose schema has no room for the id (Vercel's `PUT /v7/certs`, closed without
            // one) names none: the update is not sent, as a valid request it is not.
            Some(id) if keyed_in_body => {
                let body = update_case
                    .body
                    .clone()
                    .map(|body| with_key(body, &key, id));
                let schemas = &contract.apis[update_case.api].schemas;
                let refused = update_operation
                    .json_request_media()
                    .and_then(|media| media.schema)
                    .zip(body.as_ref())
                    .is_some_and(|(schema, body)| !schemas.is_valid(schema, body));
                (!refused).then(|| Case {
                    name: format!("{} (after create)", update_case.name),
                    body,
                    ..update_case.clone()
                })
            }
            // Without the created id, a body-keyed update names no object of this chain; at
            // the item's path it would be another operation (Vimeo's `PUT …/regions` is
            // not `PUT …/regions/{country}`).
            None if keyed_in_body => None,
            _ => Some(at_item(&update_case, "after create")),
        }
    });
    if let Some(mut update) = update {
        // A read-modify-write without the version field: optimistic locking is not what
        // this step tests. Kept where the body needs it (IX-API's `version` of an IP address,
        // 4 or 6, is required): without it the update is no valid request.
        let (api, update_operation) = contract.operation(update.api, update.operation);
        for field in [
            "changeSequence",
            "version",
            "revision",
            "lockVersion",
            "lock_version",
        ] {
            if let Some(body) = &update.body
                && let Some(smaller) = without_property(api, update_operation, body, field)
            {
                update.body = Some(smaller);
            }
        }
        let answer = send_recorded(client, shared, &update).await;
        let updated = answer
            .as_ref()
            .is_ok_and(|a| (200..300).contains(&a.status));
        out.push(judge(contract, shared, &update, answer));
        // What the update wrote is what a read answers next.
        if updated && let Some(mut sent) = update.body.as_ref().map(written_fields) {
            // The fields that carry the object's id, or its parents' (Netlify's snippet
            // `site_id`), are the provider's to keep: a body naming another id does not move
            // the object (Google's `clientAccountId`).
            let (_, read_operation) = contract.operation(read_case.api, read_case.operation);
            let keys = read_operation
                .parameters
                .iter()
                .filter(|p| p.location == ParameterLocation::Path)
                .map(|p| p.name.clone())
                .chain([key.clone()]);
            for name in keys {
                sent.remove(&name);
                sent.remove(key_word(&name).as_ref());
            }
            let read = at_item(&read_case, "after update");
            let (mut checked, body) = send_judged(contract, client, shared, &read).await;
            if (200..300).contains(&checked.status)
                && let Some(body) = body
                && !shows(
                    &body,
                    &showable(contract, &read, checked.status, &body, sent.clone()),
                )
            {
                checked.failures.push(failure(
                    "update_visibility",
                    format!(
                        "{item} was updated with {}, and a read then answered {}",
                        Value::Object(sent.clone()),
                        body
                    ),
                ));
                checked.reproduce = Some(curl(&shared.target, &read, &shared.secrets));
            }
            out.push(checked);
        }
    }
    if let Some(delete_case) = chain.delete.and_then(find) {
        let delete = at_item(&delete_case, "chain");
        let deleted = judge(
            contract,
            shared,
            &delete,
            send_recorded(client, shared, &delete).await,
        );
        // Only a delete answered with a success removed anything: Jira's priority delete
        // answers 303, a task that removes it later, and a refusal removes nothing.
        let removed = (200..300).contains(&deleted.status);
        out.push(deleted);
        let read_again = at_item(&read_case, "after delete");
        let mut checked = judge(
            contract,
            shared,
            &read_again,
            send_recorded(client, shared, &read_again).await,
        );
        if checked.status == 404 {
            // A read that declares no 404 (nor `4XX`, nor `default`) leaves the provider no
            // declared answer for what it deleted: the 404 is the one answer that is no lie,
            // and is not held against it.
            checked
                .failures
                .retain(|f| f.check != "status_code_conformance");
            if checked.failures.is_empty() {
                checked.reproduce = None;
            }
        } else if removed && says_gone(contract, &read_case) {
            // Only where the contract gives the provider a way to say the resource is gone:
            // a read that declares no 404 (nor `4XX`, nor `default`), or one whose body no
            // value can follow (Vonage's secrets), leaves it none, and its declared answer is
            // no lie about what the contract lets it say.
            checked.failures.push(failure(
                "use_after_free",
                format!(
                    "the deleted resource {item} was answered {}, not 404",
                    checked.status
                ),
            ));
        }
        out.push(checked);
        // Deleting again is answered as the contract says (a 404, or an idempotent 2xx):
        // never a server error.
        let again = at_item(&delete_case, "deleted again");
        out.push(judge(
            contract,
            shared,
            &again,
            send_recorded(client, shared, &again).await,
        ));
    }
    out
}

/// Whether the read of `read_case` declares an answer for a missing object (a 404, `4XX` or
/// `default`) that a provider can send: one whose JSON body has a valid value.
fn says_gone(contract: &Contract, read_case: &Case) -> bool {
    let (api, read) = contract.operation(read_case.api, read_case.operation);
    read.answer_for(404).is_some_and(|response| {
        response
            .json_schema()
            .is_none_or(|id| generate_valid(&api.schemas, id, SATISFIABLE_SEED).is_ok())
    })
}

/// The fields of `sent` that the read's answer `body` could show: one whose value the
/// read's schema refuses there (a request that takes any string where the answer declares an
/// email, GitHub's `billing_email`; a field a closed read does not declare, HERE's device
/// `ownerAppId` beside its `trackingId`) cannot be answered as written, and one the read declares
/// `readOnly` is the server's to set (Azure's resource `location`, which its gateway
/// requests carry): neither is held against the provider.
fn showable(
    contract: &Contract,
    read: &Case,
    status: u16,
    body: &Value,
    mut sent: serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    let (api, operation) = contract.operation(read.api, read.operation);
    let Some(id) = crate::validate::declared_response(operation, status)
        .and_then(|response| response.json_schema())
    else {
        return sent;
    };
    let Value::Object(fields) = body else {
        return sent;
    };
    let document = api.schemas.document(View::Response);
    let declared = properties(api.schemas.node(id), document);
    let read_only = |name: &str| {
        declared
            .get(name)
            .is_some_and(|schema| has_flag(document, schema, "readOnly", 0))
    };
    sent.retain(|name, value| {
        let mut trial = fields.clone();
        trial.insert(name.clone(), value.clone());
        !read_only(name) && api.schemas.is_valid(id, &Value::Object(trial))
    });
    sent
}

/// The read case's path with its last key replaced by `id` (other keys as generated).
pub(super) fn item_path(contract: &Contract, api: usize, read_case: &Case, id: &str) -> String {
    let compiled = &contract.apis[api].api;
    let template = format!(
        "{}{}",
        compiled.mount, compiled.operations[read_case.operation].path
    );
    let encoded =
        percent_encoding::utf8_percent_encode(id, crate::pointer::PATH_SEGMENT).to_string();
    let mut segments: Vec<String> = read_case.path.split('/').map(str::to_string).collect();
    if let Some(position) = template
        .split('/')
        .collect::<Vec<_>>()
        .iter()
        .rposition(|s| s.starts_with('{'))
    {
        if let Some(segment) = segments.get_mut(position) {
            *segment = encoded;
        }
    }
    segments.join("/")
}

/// Whether the read operation's last path parameter takes `id`: a provider may store an id
/// its own contract does not take back (the petstore keeps a client's order id 11021 where
/// the path allows 1 to 10), and reading it by that id is then no valid request.
fn id_fits(contract: &Contract, api: usize, read_case: &Case, id: &str) -> bool {
    let compiled = &contract.apis[api];
    let operation = &compiled.api.operations[read_case.operation];
    let name = key_param(contract, api, read_case);
    let Some(schema) = operation
        .parameters
        .iter()
        .find(|p| p.location == ParameterLocation::Path && p.name == name)
        .and_then(|p| p.schema)
    else {
        return true;
    };
    let schemas = &compiled.schemas;
    let value = coerce(schemas.node(schema), schemas.document(View::Request), id);
    schemas.is_valid(schema, &value)
}

/// `body` naming the object of id `id` in the field that carries the key parameter `key`
/// (itself, its last word, or `id`), as a number where the body has one there.
fn with_key(mut body: Value, key: &str, id: &str) -> Value {
    let Value::Object(fields) = &mut body else {
        return body;
    };
    let carriers = key_carriers(key);
    // Where the body has none of them, the one named like the key's last word.
    let field = carriers
        .iter()
        .find(|f| fields.contains_key(f.as_ref()))
        .unwrap_or(&carriers[1])
        .to_string();
    let number = id.parse::<i64>().ok().map(Value::from);
    let value = match (fields.get(&field), number) {
        (Some(Value::Number(_)), Some(number)) => number,
        _ => Value::String(id.to_string()),
    };
    fields.insert(field, value);
    body
}

/// Whether a query names a field of `created` (the create's answer) with another value: the
/// list it asks for filters the created object out.
fn filtered_out(query: &[(String, String)], created: Option<&Value>) -> bool {
    let Some(Value::Object(fields)) = created else {
        return false;
    };
    query.iter().any(|(name, sent)| match fields.get(name) {
        Some(Value::String(text)) => text != sent,
        Some(Value::Null) | None => false,
        Some(other) => serde_json::from_str::<Value>(sent).ok().as_ref() != Some(other),
    })
}

/// The name of the read's last path parameter, the created object's id.
fn key_param(contract: &Contract, api: usize, read_case: &Case) -> String {
    let operation = &contract.apis[api].api.operations[read_case.operation];
    operation
        .path
        .rsplit('{')
        .next()
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_default()
        .to_string()
}

/// The id of what a create answered with: `Location`'s last segment; else the body's field
/// named like the read's key parameter `key` or its last word (GitHub's issue `number`, read
/// at `/issues/{issue_number}` beside an `id` of another kind), else its `id`, else the first
/// `results[].id` of an envelope. `None` when the body holds the keyed thing as an object or
/// a list: it is not that thing (GitHub's `POST …/issues/{n}/assignees` answers the issue,
/// with its `assignee`, read at `…/assignees/{assignee}`), and its `id` is another's.
pub(super) fn created_id(answer: &Answer, key: &str) -> Option<String> {
    if let Some(location) = headers::text(&answer.headers, "location") {
        // The segment as the path parameter reads it: decoded (`front%5Fviews` names
        // `front_views`), without a query or fragment.
        let path = location.split(['?', '#']).next().unwrap_or_default();
        return path.rsplit('/').next().map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        });
    }
    let body: Value = serde_json::from_slice(&answer.body).ok()?;
    let named = [key.to_string(), key_word(key).into_owned()];
    if named
        .iter()
        .filter_map(|field| body.get(field))
        .any(|v| v.is_object() || v.is_array())
    {
        return None;
    }
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_i64().map(|n| n.to_string()))
    };
    [named[0].as_str(), named[1].as_str(), "id"]
        .iter()
        .find_map(|field| body.get(*field).and_then(text))
        .or_else(|| body.pointer("/results/0/id").and_then(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_keyed_update_names_the_created_object_in_the_field_that_carries_its_key() {
        for (body, key, id, expected) in [
            (
                json!({"id": 0, "name": "a"}),
                "petId",
                "7",
                json!({"id": 7, "name": "a"}),
            ),
            (
                json!({"name": "a"}),
                "petId",
                "7",
                json!({"name": "a", "id": "7"}),
            ),
            (
                json!({"username": "x"}),
                "username",
                "ada",
                json!({"username": "ada"}),
            ),
            (json!({"id": 1}), "petId", "cuid1", json!({"id": "cuid1"})),
        ] {
            assert_eq!(
                with_key(body.clone(), key, id),
                expected,
                "{body} keyed {key}={id}"
            );
        }
    }

    #[test]
    fn a_created_id_is_read_from_the_field_the_read_path_names() {
        let answer = |body: Value| Answer {
            status: 201,
            headers: Default::default(),
            body: body.to_string().into_bytes(),
        };
        let cases = [
            (
                serde_json::json!({"id": 99, "number": 3}),
                "issue_number",
                "3",
            ),
            (
                serde_json::json!({"id": 99, "username": "ada"}),
                "username",
                "ada",
            ),
            (
                serde_json::json!({"id": "c1", "name": "x"}),
                "customer",
                "c1",
            ),
            (serde_json::json!({"results": [{"id": 7}]}), "id", "7"),
        ];
        for (body, key, id) in cases {
            assert_eq!(
                created_id(&answer(body.clone()), key).as_deref(),
                Some(id),
                "the id of {body} read at {{{key}}}"
            );
        }
    }

    #[test]
    fn an_answer_holding_the_keyed_thing_as_an_object_names_no_created_id() {
        let answer = Answer {
            status: 201,
            headers: Default::default(),
            body: br#"{"id": 41, "assignee": {"login": "hubot"}}"#.to_vec(),
        };
        assert_eq!(
            created_id(&answer, "assignee"),
            None,
            "the issue answered for an added assignee is not the assignee"
        );
    }
}
