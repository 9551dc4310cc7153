//! Property tests: for random satisfiable schemas, generated values are valid under the
//! schema and deterministic for a seed.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{Value, json};
use understudy::contract::Contract;
use understudy::generate::generate_valid;

fn string_schema() -> impl Strategy<Value = Value> {
    let formats = prop_oneof![
        Just(None),
        Just(Some("date-time")),
        Just(Some("date")),
        Just(Some("uuid")),
        Just(Some("email")),
        Just(Some("uri")),
        Just(Some("ipv4")),
        Just(Some("ipv6")),
        Just(Some("byte")),
        Just(Some("ip")),
    ];
    let patterns = prop_oneof![
        Just(None),
        Just(Some("^[a-z]{2,5}$")),
        Just(Some("^c[^\\s-]{8,}$")),
        Just(Some("^[A-Z]{3}-\\d{2}$")),
        Just(Some("^(red|green|blue)$")),
    ];
    (formats, patterns, 0u64..6, 0u64..12).prop_map(|(format, pattern, min, extra)| {
        let mut schema = json!({ "type": "string" });
        match (format, pattern) {
            (Some(f), _) => schema["format"] = json!(f),
            (None, Some(p)) => schema["pattern"] = json!(p),
            (None, None) => {
                schema["minLength"] = json!(min);
                schema["maxLength"] = json!(min + extra);
            }
        }
        schema
    })
}

fn number_schema() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        -1000i64..1000,
        2i64..500,
        prop::option::of(1i64..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(integer, low, width, multiple, exclusive_low, exclusive_high)| {
                let mut schema = json!({ "type": if integer { "integer" } else { "number" } });
                let high = low + width + multiple.unwrap_or(1) * 2;
                schema[if exclusive_low {
                    "exclusiveMinimum"
                } else {
                    "minimum"
                }] = json!(low);
                schema[if exclusive_high {
                    "exclusiveMaximum"
                } else {
                    "maximum"
                }] = json!(high);
                if let Some(m) = multiple {
                    schema["multipleOf"] = json!(m);
                }
                if integer && low > 0 {
                    schema["format"] = json!("int32");
                }
                schema
            },
        )
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        string_schema(),
        number_schema(),
        Just(json!({ "type": "boolean" })),
        Just(json!({ "type": "null" })),
        Just(json!({ "enum": ["a", "b", 3] })),
        Just(json!({ "const": { "fixed": true } })),
        Just(json!({ "type": ["string", "null"], "maxLength": 3 })),
    ]
}

fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (prop::collection::btree_map("[a-z]{1,6}", inner.clone(), 0..4), any::<u8>(), any::<bool>()).prop_map(
                |(properties, required_mask, closed)| {
                    let required: Vec<&String> =
                        properties.keys().enumerate().filter(|(i, _)| required_mask & (1 << i) != 0).map(|(_, k)| k).collect();
                    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": !closed })
                }
            ),
            (inner.clone(), 0u64..3, 0u64..3).prop_map(|(items, min, extra)| {
                json!({ "type": "array", "items": items, "minItems": min, "maxItems": min + extra })
            }),
            (0u64..4).prop_map(|min| json!({ "type": "array", "items": { "type": "integer" }, "uniqueItems": true, "minItems": min })),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| json!({
                "allOf": [
                    { "type": "object", "properties": { "first": a }, "required": ["first"] },
                    { "type": "object", "properties": { "second": b } }
                ]
            })),
            (string_schema(), number_schema()).prop_map(|(s, n)| json!({ "oneOf": [s, n] })),
            (inner.clone(), inner).prop_map(|(a, b)| json!({ "anyOf": [a, b] })),
        ]
    })
}

fn compile(schema: &Value) -> Contract {
    let document = json!({
        "openapi": "3.1.0",
        "info": { "title": "property", "version": "1" },
        "paths": { "/s": { "get": { "responses": { "200": {
            "description": "the schema under test",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/S" } } }
        } } } } },
        "components": { "schemas": { "S": schema } }
    });
    let spec = understudy::load::load_text("property.json", &document.to_string()).expect("loads");
    Contract::compile(&[spec], &[]).expect("compiles")
}

proptest! {
    // A fixed seed keeps CI reproducible; 30,000 cases with random seeds passed when written.
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: RngSeed::Fixed(20261123), ..ProptestConfig::default() })]

    #[test]
    fn generated_values_are_valid_and_deterministic(schema in schema(), seed in any::<u64>()) {
        let contract = compile(&schema);
        let api = &contract.apis[0];
        let id = api.api.operations[0].responses[0].content[0].schema.expect("has a schema");
        let generated = generate_valid(&api.schemas, id, seed);
        prop_assert!(generated.is_ok(), "schema {schema}\nno valid value; the best attempt: {:?}", generated.err().map(|e| e.best));
        let value = generated.unwrap();
        let violations = api.schemas.violations(id, &value, &[]);
        prop_assert!(violations.is_empty(), "schema {schema}\nvalue {value}\n{violations:#?}");
        prop_assert_eq!(Some(value), generate_valid(&api.schemas, id, seed).ok());
    }
}

#[test]
fn a_schema_no_value_satisfies_is_reported_with_the_best_attempt() {
    let contract = compile(&json!({ "type": "string", "minLength": 5, "maxLength": 2 }));
    let api = &contract.apis[0];
    let id = api.api.operations[0].responses[0].content[0]
        .schema
        .expect("has a schema");
    match generate_valid(&api.schemas, id, 7) {
        Ok(value) => panic!("expected no valid value for an unsatisfiable schema, got {value}"),
        Err(failed) => assert!(
            failed.best.is_string(),
            "expected the best attempt to be a string, got {}",
            failed.best
        ),
    }
}

/// A value generated and checked for `schema` with a few seeds.
fn valid_values(schema: &Value) -> Vec<Value> {
    let contract = compile(schema);
    let api = &contract.apis[0];
    let id = api.api.operations[0].responses[0].content[0]
        .schema
        .expect("has a schema");
    (0..8)
        .map(|seed| match generate_valid(&api.schemas, id, seed) {
            Ok(value) => value,
            Err(failed) => panic!(
                "schema {schema}: expected a valid value for seed {seed}, got the invalid {}",
                failed.best
            ),
        })
        .collect()
}

#[test]
fn a_date_time_with_a_minimum_length_gets_fractional_seconds() {
    let schema =
        json!({ "type": "string", "format": "date-time", "minLength": 24, "maxLength": 24 });
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "expected an RFC 3339 date-time of 24 characters, got {text:?}"
        );
    }
}

#[test]
fn an_optional_property_no_value_satisfies_is_left_out() {
    let schema = json!({
        "type": "object", "required": ["name"],
        "properties": {
            "name": { "type": "string" },
            "either": { "oneOf": [{ "type": "object" }, { "type": "object" }] }
        }
    });
    for value in valid_values(&schema) {
        assert!(
            value.get("either").is_none() && value.get("name").is_some(),
            "expected the unsatisfiable optional property left out and the rest kept, got {value}"
        );
    }
}

#[test]
fn a_pattern_with_lookahead_still_gives_values_that_match_it() {
    // AWS's DomainName: labels that do not start with a hyphen.
    let schema = json!({
        "type": "string", "maxLength": 255,
        "pattern": "^(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])(\\.)?$"
    });
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(
            text.contains('.') && !text.starts_with('-'),
            "expected a domain name, got {text:?}"
        );
    }
}

#[test]
fn properties_that_only_an_all_of_branch_declares_are_left_out_where_additional_ones_are_forbidden()
{
    // ShipEngine's bodies: `additionalProperties: false` beside an `allOf` that declares the
    // properties, so that, read as JSON Schema reads it, no property is allowed at all.
    let schema = json!({
        "type": "object", "additionalProperties": false,
        "allOf": [{ "type": "object", "properties": { "layout": { "enum": ["4x6", "Letter"] } } }]
    });
    for value in valid_values(&schema) {
        assert_eq!(
            value,
            json!({}),
            "expected the one value the schema allows, an empty object"
        );
    }
}

#[test]
fn a_pattern_with_an_open_repetition_gives_values_of_the_length_the_schema_fixes() {
    // CloudTrail's UUID: any number of hex digits and hyphens, exactly 36 of them.
    let schema =
        json!({ "type": "string", "pattern": "^[a-f0-9\\-]+$", "minLength": 36, "maxLength": 36 });
    let pattern = regex::Regex::new("^[a-f0-9\\-]+$").unwrap();
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(
            text.len() == 36 && pattern.is_match(text),
            "expected 36 hex digits or hyphens, got {text:?}"
        );
    }
}

#[test]
fn a_pattern_anchored_after_a_wildcard_gives_values_that_start_where_the_anchor_says() {
    // IoT TwinMaker's S3 location: `.*` before a `^`, which only the empty string satisfies.
    let source = ".*(^arn:((aws)|(aws-cn)|(aws-us-gov)):s3:::)([a-zA-Z0-9_-]+$).*";
    let schema = json!({ "type": "string", "pattern": source, "maxLength": 1011 });
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(text.starts_with("arn:"), "expected an S3 ARN, got {text:?}");
    }
}

#[test]
fn a_format_whose_values_the_pattern_refuses_gives_way_to_the_pattern() {
    // Loket's ids: a `uuid` in upper-case hex only, braces allowed around it.
    let source = "^[{(]?[0-9A-F]{8}[-]?([0-9A-F]{4}[-]?){3}[0-9A-F]{12}[)}]?$";
    let schema = json!({ "type": "string", "format": "uuid", "pattern": source });
    let pattern = regex::Regex::new(source).unwrap();
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(
            pattern.is_match(text),
            "expected an upper-case uuid the pattern takes, got {text:?}"
        );
    }
}

#[test]
fn a_pattern_whose_lookahead_asks_for_a_symbol_gives_values_with_one() {
    // Azure's admin password: a lower-case letter, an upper-case one and a symbol, 12 or more.
    let source =
        "^(?=.*[a-z])(?=.*[A-Z])(?=.*[!@#$%\\^&\\*\\(\\)])[a-zA-Z\\d!@#$%\\^&\\*\\(\\)]{12,123}$";
    let schema = json!({ "type": "string", "pattern": source });
    for value in valid_values(&schema) {
        let text = value.as_str().expect("a string");
        assert!(
            text.chars().any(|c| "!@#$%^&*()".contains(c)) && text.len() >= 12,
            "expected a password with a symbol, got {text:?}"
        );
    }
}

#[test]
fn array_items_no_value_satisfies_are_left_out() {
    // App Store Connect's `included`: items under a `oneOf` of the same schema twice.
    let category = json!({ "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } });
    let schema = json!({
        "type": "object", "required": ["data"],
        "properties": {
            "data": category,
            "included": { "type": "array", "items": { "oneOf": [category, category] } }
        }
    });
    for value in valid_values(&schema) {
        assert!(
            value["data"]["id"].is_string()
                && value
                    .get("included")
                    .is_none_or(|items| items.as_array().is_some_and(Vec::is_empty)),
            "expected the data kept and no included item, got {value}"
        );
    }
}

#[test]
fn array_items_two_all_of_branches_describe_are_valid_under_both() {
    // NPR's documents: a base document's `items: [object]`, narrowed by the one that extends
    // it to items that are documents themselves (with a `version`).
    let base = "#/components/schemas/S/$defs/Collection";
    let schema = json!({
        "$defs": {
            "Collection": { "type": "object",
                "required": ["version", "href", "attributes", "links", "items"],
                "properties": {
                    "version": { "type": "string" }, "href": { "type": "string" },
                    "attributes": { "type": "object" }, "links": { "type": "object" },
                    "items": { "type": "array", "items": { "type": "object" } } } },
            "Channel": { "allOf": [{ "$ref": base },
                { "properties": { "attributes": { "type": "object",
                    "properties": { "id": { "type": "string" } } } } }] }
        },
        "allOf": [
            { "$ref": base },
            { "properties": { "items": { "type": "array",
                "items": { "$ref": "#/components/schemas/S/$defs/Channel" } } } }
        ]
    });
    for value in valid_values(&schema) {
        let items = value["items"].as_array().expect("items");
        assert!(
            items.iter().all(|item| item["version"].is_string()),
            "expected every item with a version, got {value}"
        );
    }
}

#[test]
fn a_one_of_whose_branches_all_match_gets_a_value_that_matches_one() {
    // PeerTube's user: the second branch adds optional counts to the first, so every user
    // is both. intellifi's item: `location`, `location_id` or `location_url`, each branch
    // open to the others (two must be refused).
    let user = json!({ "type": "object", "required": ["id"],
        "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } });
    let schemas = [
        json!({
            "$defs": { "User": user.clone(),
                "UserWithStats": { "allOf": [{ "$ref": "#/components/schemas/S/$defs/User" },
                    { "properties": { "videosCount": { "type": "integer" } } }] } },
            "oneOf": [{ "$ref": "#/components/schemas/S/$defs/User" },
                      { "$ref": "#/components/schemas/S/$defs/UserWithStats" }]
        }),
        json!({ "type": "object", "properties": { "name": { "type": "string" } },
            "oneOf": [
                { "type": "object", "properties": { "location": { "type": "object" } } },
                { "type": "object", "properties": { "location_id": { "type": "string" } } },
                { "type": "object", "properties": { "location_url": { "type": "string" } } }
            ] }),
    ];
    for schema in &schemas {
        // valid_values fails with the invalid value when none is found.
        assert_eq!(
            valid_values(schema).len(),
            8,
            "expected eight values for {schema}"
        );
    }
}

/// The inheritance pattern: a base naming its discriminator and mapping, subtypes
/// `allOf: [$ref base, …]` (Twitter's `Media` and `Problem`, springdoc's polymorphic models).
fn inheritance(response: Value, mapping: Value) -> Contract {
    let document = json!({
        "openapi": "3.0.3",
        "info": { "title": "inheritance", "version": "1" },
        "paths": { "/media": { "get": { "responses": { "200": {
            "description": "media",
            "content": { "application/json": { "schema": response } }
        } } } } },
        "components": { "schemas": {
            "Media": {
                "type": "object", "required": ["type"],
                "properties": { "type": { "type": "string" }, "width": { "type": "integer" } },
                "discriminator": { "propertyName": "type", "mapping": mapping }
            },
            "Photo": { "allOf": [
                { "$ref": "#/components/schemas/Media" },
                { "type": "object", "required": ["url"], "properties": { "url": { "type": "string" } } }
            ] },
            "Video": { "allOf": [
                { "$ref": "#/components/schemas/Media" },
                { "type": "object", "required": ["seconds"],
                  "properties": { "seconds": { "type": "integer" } } }
            ] }
        } }
    });
    let spec =
        understudy::load::load_text("inheritance.json", &document.to_string()).expect("loads");
    Contract::compile(&[spec], &[]).expect("compiles")
}

#[test]
fn an_object_of_a_discriminated_base_is_one_its_mapping_names_and_carries_that_name() {
    let mapping = json!({
        "photo": "#/components/schemas/Photo",
        "video": "#/components/schemas/Video"
    });
    let contract = inheritance(
        json!({ "type": "array", "minItems": 6, "items": { "$ref": "#/components/schemas/Media" } }),
        mapping,
    );
    let api = &contract.apis[0];
    let id = api.api.operations[0].responses[0].content[0]
        .schema
        .expect("has a schema");
    let mut kinds = BTreeSet::new();
    for seed in 0..4 {
        let value = generate_valid(&api.schemas, id, seed).expect("a valid value");
        for item in value.as_array().expect("an array") {
            let kind = item["type"].as_str().unwrap_or_default().to_string();
            let own = match kind.as_str() {
                "photo" => "url",
                "video" => "seconds",
                _ => panic!("expected every medium's type to be photo or video, received {item}"),
            };
            assert!(
                item.get(own).is_some(),
                "expected a {kind} to have the {own} its schema requires, received {item}"
            );
            kinds.insert(kind);
        }
    }
    assert_eq!(
        kinds.len(),
        2,
        "expected both mapped schemas among 24 media, received {kinds:?}"
    );
}

#[test]
fn an_object_of_a_subtype_carries_its_mapped_name_or_else_its_schema_name() {
    for (mapping, expected) in [
        (json!({ "still": "#/components/schemas/Photo" }), "still"),
        (json!({}), "Photo"),
    ] {
        let contract = inheritance(json!({ "$ref": "#/components/schemas/Photo" }), mapping);
        let api = &contract.apis[0];
        let id = api.api.operations[0].responses[0].content[0]
            .schema
            .expect("has a schema");
        for seed in 0..4 {
            let value = generate_valid(&api.schemas, id, seed).expect("a valid value");
            assert_eq!(
                value["type"], expected,
                "expected a photo's type to be {expected:?}, received {value}"
            );
        }
    }
}

/// Values generated for seeds 0..8 for the answer `response` of a document whose schemas
/// are `schemas`.
fn answers_under(response: Value, schemas: Value) -> Vec<Value> {
    let document = json!({
        "openapi": "3.0.3",
        "info": { "title": "answers", "version": "1" },
        "paths": { "/x": { "get": { "responses": { "200": {
            "description": "the answer",
            "content": { "application/json": { "schema": response } }
        } } } } },
        "components": { "schemas": schemas }
    });
    let spec = understudy::load::load_text("answers.json", &document.to_string()).expect("loads");
    let contract = Contract::compile(&[spec], &[]).expect("compiles");
    let api = &contract.apis[0];
    let id = api.api.operations[0].responses[0].content[0]
        .schema
        .expect("has a schema");
    (0..8)
        .map(|seed| generate_valid(&api.schemas, id, seed).expect("a valid value"))
        .collect()
}

/// Items that are one of `branches` (schema names), told apart by their `type`.
fn discriminated_items(branches: &[&str]) -> Value {
    let branches: Vec<Value> = branches
        .iter()
        .map(|name| json!({ "$ref": format!("#/components/schemas/{name}") }))
        .collect();
    json!({ "anyOf": branches, "discriminator": { "propertyName": "type" } })
}

/// An object schema whose `type` is a string, one of `allowed` where given.
fn typed(allowed: Option<&str>) -> Value {
    let mut kind = json!({ "type": "string" });
    if let Some(allowed) = allowed {
        kind["enum"] = json!([allowed]);
    }
    json!({ "type": "object", "required": ["type"], "properties": { "type": kind } })
}

#[test]
fn a_discriminated_branch_is_one_whose_value_its_name_can_be() {
    // ExaVault: no mapping, so a branch is named by its schema name, but `Resource`'s `type`
    // must be `resource`: only `User` can carry its name.
    let response = json!({
        "type": "array", "minItems": 4,
        "items": discriminated_items(&["Resource", "User"])
    });
    let schemas = json!({ "Resource": typed(Some("resource")), "User": typed(None) });
    for value in answers_under(response, schemas) {
        for item in value.as_array().expect("an array") {
            assert_eq!(
                item["type"], "User",
                "expected every item to be a User, the one branch its discriminator can name, \
                 received {item}"
            );
        }
    }
}

#[test]
fn an_array_of_items_no_discriminator_can_name_holds_only_as_many_as_it_needs() {
    // ExaVault's users include `anyOf: [Account, Resource]`, each refusing its own name.
    let response = json!({
        "type": "object", "required": ["included"],
        "properties": { "included": {
            "type": "array", "items": discriminated_items(&["Account", "Resource"])
        } }
    });
    let schemas = json!({ "Account": typed(Some("account")), "Resource": typed(Some("resource")) });
    for value in answers_under(response, schemas) {
        assert_eq!(
            value["included"],
            json!([]),
            "expected no items a reader could not map, received {value}"
        );
    }
}

#[test]
fn an_optional_property_no_discriminator_can_name_is_left_out() {
    // Spotify's `item`: `oneOf: [TrackObject, EpisodeObject]` without a mapping, whose `type`s
    // must be `track` and `episode`; the property is optional, so an answer leaves it out.
    let item = json!({
        "oneOf": [
            { "$ref": "#/components/schemas/TrackObject" },
            { "$ref": "#/components/schemas/EpisodeObject" }
        ],
        "discriminator": { "propertyName": "type" }
    });
    let response = json!({
        "type": "object", "required": ["is_playing"],
        "properties": { "is_playing": { "type": "boolean" }, "item": item }
    });
    let schemas = json!({
        "TrackObject": typed(Some("track")), "EpisodeObject": typed(Some("episode"))
    });
    for value in answers_under(response, schemas) {
        assert!(
            value.get("item").is_none() && value.get("is_playing").is_some(),
            "expected the answer without the item no reader could map, received {value}"
        );
    }
}

#[test]
fn a_one_of_of_required_lists_gets_a_value_carrying_the_names_of_one() {
    // InfluxData's `DBRP`: an organisation by ID or by name, never both, both optional
    // properties of the object.
    let response = json!({ "$ref": "#/components/schemas/Mapping" });
    let schemas = json!({ "Mapping": {
        "type": "object",
        "oneOf": [
            { "required": ["orgID", "database"] },
            { "required": ["org", "database"] }
        ],
        "properties": {
            "org": { "type": "string" }, "orgID": { "type": "string" },
            "database": { "type": "string" }, "default": { "type": "boolean" }
        }
    } });
    for value in answers_under(response, schemas) {
        assert!(
            value.get("org").is_some() != value.get("orgID").is_some(),
            "expected org or orgID, not both, received {value}"
        );
    }
}

#[test]
fn a_discriminator_naming_a_property_no_name_fits_leaves_it_as_its_schema_says() {
    // Zalando's `Page` names `content`, an array, as its discriminator: a subtype's name
    // cannot be its value, so the array stays (readers map only string values).
    let response = json!({ "$ref": "#/components/schemas/Reviews" });
    let schemas = json!({
        "Page": {
            "type": "object", "required": ["content"],
            "properties": { "content": { "type": "array", "items": {} } },
            "discriminator": { "propertyName": "content" }
        },
        "Reviews": { "type": "object", "allOf": [
            { "$ref": "#/components/schemas/Page" },
            { "properties": { "content": {
                "type": "array", "items": { "$ref": "#/components/schemas/Review" }
            } } }
        ] },
        "Review": {
            "type": "object", "required": ["id", "title", "helpful"],
            "properties": {
                "id": { "type": "string" }, "title": { "type": "string" },
                "helpful": { "type": "integer" }
            }
        }
    });
    for value in answers_under(response, schemas) {
        assert!(
            value["content"].is_array(),
            "expected the content an array, as its schema says, received {value}"
        );
    }
}

#[test]
fn a_pattern_no_dialect_reads_leaves_the_rest_of_its_schema_checked_and_is_reported() {
    // AWS's `[a-zA-Z]{1-70}` is no ECMA-262: the whole schema accepted everything.
    let schema = json!({
        "type": "object", "required": ["code", "count"],
        "properties": {
            "code": { "type": "string", "pattern": "[a-zA-Z]{1-70}" },
            "count": { "type": "integer" }
        }
    });
    let contract = compile(&schema);
    let api = &contract.apis[0];
    let id = api.api.operations[0].responses[0].content[0]
        .schema
        .expect("has a schema");
    let violations = api
        .schemas
        .violations(id, &json!({ "code": "x", "count": "many" }), &[]);
    assert!(
        !violations.is_empty(),
        "expected a count that is no integer refused, received no violation"
    );
    assert!(
        api.schemas
            .violations(id, &json!({ "code": "1-70", "count": 2 }), &[])
            .is_empty(),
        "expected the unreadable pattern not to refuse anything"
    );
    let reported: Vec<String> = contract
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.location.pointer, f.message))
        .collect();
    assert!(
        reported.iter().any(|f| f.starts_with(
            "/components/schemas/S/properties/code/pattern: pattern \"[a-zA-Z]{1-70}\" is not"
        )),
        "expected the pattern reported where it is, received {reported:#?}"
    );
}

#[test]
fn patterns_written_in_other_dialects_are_followed_and_enforced() {
    // Each made the whole schema fail to compile, so it accepted everything: (the pattern,
    // what it means in ECMA-262, a value it refuses).
    let cases = [
        // AWS OpenSearch's GUIDs: Java's POSIX classes.
        (
            "^\\p{XDigit}{8}-\\p{XDigit}{4}$",
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}$",
            "sit elit-sed ",
        ),
        // linode's domains: Python's and Ruby's anchors.
        (
            "\\A[a-z]{3}\\.(com|org)\\Z",
            "^[a-z]{3}\\.(com|org)$",
            "ab.net",
        ),
    ];
    for (pattern, meaning, refused) in cases {
        let schema = json!({ "type": "string", "pattern": pattern });
        let ecma = regex::Regex::new(meaning).unwrap();
        for value in valid_values(&schema) {
            let text = value.as_str().expect("a string");
            assert!(
                ecma.is_match(text),
                "{pattern}: expected a match of {meaning}, received {text:?}"
            );
        }
        let contract = compile(&schema);
        let api = &contract.apis[0];
        let id = api.api.operations[0].responses[0].content[0]
            .schema
            .expect("has a schema");
        assert!(
            !api.schemas.violations(id, &json!(refused), &[]).is_empty(),
            "{pattern}: expected {refused:?} refused, received no violation"
        );
    }
}
