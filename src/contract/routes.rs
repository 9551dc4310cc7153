//! Path templates to operations, compiled once into a matchit 0.9 table. matchit takes
//! OpenAPI templates as they are (`{id}`, `{id}.json` suffixes, static-over-parameter
//! precedence); axum's router cannot (it pins matchit 0.8 and panics on conflicts), so the
//! HTTP layer dispatches through this table from a fallback handler.

use std::collections::HashMap;

use matchit::Router;

/// One routed path: which API, the template as served (mount included), and its operations.
#[derive(Debug)]
pub struct RouteEntry {
    pub api: usize,
    /// The template as the document writes it (without the mount).
    pub template: String,
    /// `(upper-case method, operation index in the API)`, in document order.
    pub operations: Vec<(String, usize)>,
}

#[derive(Debug, Default)]
pub struct RouteTable {
    router: Router<usize>,
    entries: Vec<RouteEntry>,
    /// Exact route string to entry, to group the methods of one path.
    by_route: HashMap<String, usize>,
}

pub struct RouteMatch<'a> {
    pub entry: &'a RouteEntry,
    /// Path parameters, still percent-encoded as they arrived.
    pub params: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("route {route:?} conflicts with another operation's route: {reason}")]
pub struct RouteConflict {
    pub route: String,
    pub reason: String,
}

impl RouteTable {
    /// Adds `method` on `mount + template` for operation `operation` of API `api`.
    pub fn add(
        &mut self,
        api: usize,
        mount: &str,
        template: &str,
        method: &str,
        operation: usize,
    ) -> Result<(), RouteConflict> {
        let route = format!("{mount}{template}");
        if let Some(&index) = self.by_route.get(&route) {
            if self.entries[index].api != api {
                return Err(RouteConflict {
                    route,
                    reason: "two documents are mounted on the same prefix (give one another \
                             prefix with --mount NAME=/PREFIX)"
                        .into(),
                });
            }
            self.entries[index]
                .operations
                .push((method.to_string(), operation));
            return Ok(());
        }
        let index = self.entries.len();
        self.router
            .insert(route.clone(), index)
            .map_err(|e| RouteConflict {
                route: route.clone(),
                reason: e.to_string(),
            })?;
        self.by_route.insert(route, index);
        self.entries.push(RouteEntry {
            api,
            template: template.to_string(),
            operations: vec![(method.to_string(), operation)],
        });
        Ok(())
    }

    pub fn find(&self, path: &str) -> Option<RouteMatch<'_>> {
        let found = self.router.at(path).ok()?;
        Some(RouteMatch {
            entry: &self.entries[*found.value],
            params: found
                .params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_segments_win_over_parameters() {
        let mut table = RouteTable::default();
        table.add(0, "", "/items/{id}", "GET", 0).unwrap();
        table.add(0, "", "/items/search", "GET", 1).unwrap();
        assert_eq!(
            table.find("/items/search").unwrap().entry.operations[0].1,
            1
        );
        let m = table.find("/items/42").unwrap();
        assert_eq!(m.params, vec![("id".to_string(), "42".to_string())]);
    }

    #[test]
    fn methods_of_one_path_share_an_entry() {
        let mut table = RouteTable::default();
        table.add(0, "/k", "/x/{id}", "GET", 0).unwrap();
        table.add(0, "/k", "/x/{id}", "PUT", 1).unwrap();
        assert_eq!(table.entries().len(), 1);
        assert_eq!(table.find("/k/x/1").unwrap().entry.operations.len(), 2);
    }

    #[test]
    fn differently_named_parameters_in_one_place_conflict() {
        let mut table = RouteTable::default();
        table.add(0, "", "/x/{id}", "GET", 0).unwrap();
        assert!(table.add(0, "", "/x/{itemId}", "GET", 1).is_err());
    }
}
