//! XML bodies from schema values, as OpenAPI's XML object maps them: an object is an element
//! whose properties are child elements (or attributes, `xml.attribute`), named by `xml.name`
//! or the property's name, with `xml.prefix` and `xml.namespace`; an array repeats its items'
//! element, inside a wrapper element where `xml.wrapped` says so; the root is named by its
//! schema's `xml.name`, else its component's name. The values are generated valid under the
//! schema; only their writing is XML's. quick-xml writes (and escapes) the text; the mapping
//! is OpenAPI's, which no crate implements.

use bytes::Bytes;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value};

use crate::contract::{properties, schema_ref};
use crate::validate::resolve;

/// How deep values are written: generated values are bounded, but a cyclic schema with a
/// hand-written example need not be.
const DEEPEST: usize = 64;

/// `value` as an XML document, by the XML mapping of `schema` (a node of `document`, the
/// component named `component` where it is one).
pub fn xml_bytes(
    value: &Value,
    schema: &Value,
    document: &Value,
    component: Option<&str>,
) -> Bytes {
    let name = root_name(schema, document, component);
    let mut writer = Writer::new(Vec::new());
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    write_element(&mut writer, &name, value, schema, document, DEEPEST);
    Bytes::from(writer.into_inner())
}

/// The root element's name: the schema's `xml.name`, else the name of the component it is or
/// refers to, else `root`.
fn root_name(schema: &Value, document: &Value, component: Option<&str>) -> String {
    if let Some(component) = component {
        return prefixed(xml_field(schema, "name").unwrap_or(component), schema);
    }
    let mut node = schema;
    for _ in 0..DEEPEST {
        if let Some(name) = xml_field(node, "name") {
            return prefixed(name, node);
        }
        let Some(reference) = schema_ref(node) else {
            break;
        };
        if let Some(component) = reference.strip_prefix("#/components/schemas/")
            && !component.contains('/')
        {
            let own = resolve(node, document);
            return prefixed(xml_field(own, "name").unwrap_or(component), own);
        }
        node = resolve(node, document);
    }
    "root".to_string()
}

/// The node whose `xml` object speaks for `schema`: its own, its target's, or one of its
/// `allOf` parts' (AWS's list items are `allOf: [{$ref: Tag}, {xml: {name: Tag}}]`).
fn xml_node<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    if schema.get("xml").is_some() {
        return schema;
    }
    let resolved = resolve(schema, document);
    if resolved.get("xml").is_some() {
        return resolved;
    }
    resolved
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|part| resolve(part, document))
        .find(|part| part.get("xml").is_some())
        .unwrap_or(resolved)
}

fn xml_field<'a>(schema: &'a Value, field: &str) -> Option<&'a str> {
    schema.get("xml")?.get(field)?.as_str()
}

fn xml_flag(schema: &Value, field: &str) -> bool {
    schema
        .get("xml")
        .and_then(|x| x.get(field))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `name` with its schema's `xml.prefix`.
fn prefixed(name: &str, schema: &Value) -> String {
    match xml_field(schema, "prefix") {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{}", element_name(name)),
        _ => element_name(name),
    }
}

/// A property name as an XML name: characters XML names cannot hold become `_`, and a name
/// that cannot start one (a digit, say) gets a leading `_`.
fn element_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        out.insert(0, '_');
    }
    out
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn write_element(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    value: &Value,
    schema: &Value,
    document: &Value,
    depth: usize,
) {
    let resolved = resolve(schema, document);
    match value {
        Value::Array(items) => {
            // An array on its own (a root) is a wrapper of its items.
            let mut start = BytesStart::new(name);
            add_namespace(&mut start, resolved);
            let _ = writer.write_event(Event::Start(start));
            write_items(writer, name, items, resolved, document, depth);
            let _ = writer.write_event(Event::End(BytesEnd::new(name)));
        }
        Value::Object(fields) => write_object(writer, name, fields, resolved, document, depth),
        scalar => {
            let mut start = BytesStart::new(name);
            add_namespace(&mut start, resolved);
            let _ = writer.write_event(Event::Start(start));
            let _ = writer.write_event(Event::Text(BytesText::new(&text_of(scalar))));
            let _ = writer.write_event(Event::End(BytesEnd::new(name)));
        }
    }
}

fn add_namespace(start: &mut BytesStart<'_>, schema: &Value) {
    if let Some(namespace) = xml_field(schema, "namespace") {
        let key = match xml_field(schema, "prefix") {
            Some(prefix) if !prefix.is_empty() => format!("xmlns:{prefix}"),
            _ => "xmlns".to_string(),
        };
        start.push_attribute((key.as_str(), namespace));
    }
}

fn write_object(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    fields: &Map<String, Value>,
    schema: &Value,
    document: &Value,
    depth: usize,
) {
    let declared = properties(schema, document);
    let field_schema = |key: &str| declared.get(key).unwrap_or(&Value::Bool(true));
    let mut start = BytesStart::new(name);
    add_namespace(&mut start, schema);
    let mut children = Vec::new();
    for (key, value) in fields {
        let naming = xml_node(field_schema(key), document);
        if xml_flag(naming, "attribute") && !value.is_object() && !value.is_array() {
            let attribute = prefixed(xml_field(naming, "name").unwrap_or(key), naming);
            start.push_attribute((attribute.as_str(), text_of(value).as_str()));
        } else {
            children.push((key, value, field_schema(key)));
        }
    }
    if children.is_empty() || depth == 0 {
        let _ = writer.write_event(Event::Empty(start));
        return;
    }
    let _ = writer.write_event(Event::Start(start));
    for (key, value, property_schema) in children {
        let property = resolve(property_schema, document);
        let naming = xml_node(property_schema, document);
        let child = prefixed(xml_field(naming, "name").unwrap_or(key), naming);
        match value {
            Value::Array(items) if xml_flag(naming, "wrapped") => {
                let mut wrapper = BytesStart::new(child.as_str());
                add_namespace(&mut wrapper, naming);
                let _ = writer.write_event(Event::Start(wrapper));
                write_items(writer, &child, items, property, document, depth - 1);
                let _ = writer.write_event(Event::End(BytesEnd::new(child.as_str())));
            }
            Value::Array(items) => {
                write_items(writer, &child, items, property, document, depth - 1)
            }
            Value::Null => {}
            _ => write_element(writer, &child, value, property_schema, document, depth - 1),
        }
    }
    let _ = writer.write_event(Event::End(BytesEnd::new(name)));
}

/// The items of an array whose element is named `name`: each named by the items' `xml.name`,
/// else `name`.
fn write_items(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    items: &[Value],
    array_schema: &Value,
    document: &Value,
    depth: usize,
) {
    let item_schema = array_schema.get("items").unwrap_or(&Value::Bool(true));
    let naming = xml_node(item_schema, document);
    let item_name =
        xml_field(naming, "name").map_or_else(|| name.to_string(), |own| prefixed(own, naming));
    for item in items {
        write_element(writer, &item_name, item, item_schema, document, depth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn xml(value: Value, schema: Value, document: Value) -> String {
        String::from_utf8(xml_bytes(&value, &schema, &document, None).to_vec()).unwrap_or_default()
    }

    #[test]
    fn objects_are_elements_named_by_their_component_and_their_properties() {
        let document = json!({"components": {"schemas": {"TagListMessage": {
            "type": "object",
            "properties": {"TagList": {
                "type": "array", "xml": {"wrapped": true},
                "items": {"type": "object", "xml": {"name": "Tag"},
                          "properties": {"Key": {"type": "string"}}}
            }}
        }}}});
        let schema = json!({"$ref": "#/components/schemas/TagListMessage"});
        let value = json!({"TagList": [{"Key": "a&b"}, {"Key": "c"}]});
        assert_eq!(
            xml(value, schema, document),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><TagListMessage><TagList>\
             <Tag><Key>a&amp;b</Key></Tag><Tag><Key>c</Key></Tag></TagList></TagListMessage>"
        );
    }

    #[test]
    fn an_xml_object_in_an_all_of_part_names_what_the_part_narrows() {
        let document = json!({"components": {"schemas": {
            "Tag": {"type": "object", "properties": {"Key": {"type": "string"}}}
        }}});
        let schema = json!({"type": "object", "properties": {"TagList": {
            "type": "array",
            "items": {"allOf": [{"$ref": "#/components/schemas/Tag"}, {"xml": {"name": "Tag"}}]}
        }}});
        assert_eq!(
            xml(json!({"TagList": [{"Key": "a"}]}), schema, document),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><root><Tag><Key>a</Key></Tag></root>"
        );
    }

    #[test]
    fn attributes_prefixes_namespaces_and_unwrapped_arrays_follow_the_xml_object() {
        let schema = json!({
            "type": "object",
            "xml": {"name": "pet", "namespace": "https://example.com/schema", "prefix": "p"},
            "properties": {
                "id": {"type": "integer", "xml": {"attribute": true}},
                "photo": {"type": "array", "items": {"type": "string"}},
                "1st": {"type": "string"},
                "gone": {"type": "string", "nullable": true}
            }
        });
        let value = json!({"id": 7, "photo": ["a", "b"], "1st": "x", "gone": null});
        assert_eq!(
            xml(value, schema, json!({})),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:pet xmlns:p=\"https://example.com/schema\" \
             id=\"7\"><photo>a</photo><photo>b</photo><_1st>x</_1st></p:pet>"
        );
    }
}
