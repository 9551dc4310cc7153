//! Reports of checked traffic for people and for CI: a human view grouped by operation, a
//! stable JSON document, and JUnit XML (one testcase per exchange, through quick-junit).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{Contract, StatusKey};
use crate::validate::CheckedExchange;

/// Everything a report renders.
#[derive(Debug, Serialize)]
pub struct Report {
    pub summary: Summary,
    /// The exchanges that broke the contract (and, when built for JUnit, the others too).
    pub exchanges: Vec<CheckedExchange>,
    pub coverage: Vec<OperationCoverage>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub exchanges: usize,
    pub conforming: usize,
    pub failing: usize,
    pub operations_declared: usize,
    pub operations_exercised: usize,
}

#[derive(Debug, Serialize)]
pub struct OperationCoverage {
    pub api: String,
    pub operation: String,
    pub method: String,
    pub path: String,
    pub exchanges: usize,
    pub failing: usize,
    /// Declared status keys (`200`, `4XX`, `default`) and whether traffic exercised each.
    pub statuses: BTreeMap<String, bool>,
}

/// Builds a [`Report`] one exchange at a time. Conforming exchanges are only counted unless
/// `keep_conforming` (JUnit lists every exchange), so checking a large recording takes memory
/// in proportion to its failures, not to its size.
pub struct ReportBuilder<'c> {
    contract: &'c Contract,
    keep_conforming: bool,
    kept: Vec<CheckedExchange>,
    coverage: Vec<OperationCoverage>,
    /// `(api, operation)` → index in `coverage`.
    positions: BTreeMap<(usize, usize), usize>,
    total: usize,
    failing: usize,
}

impl<'c> ReportBuilder<'c> {
    pub fn new(contract: &'c Contract, keep_conforming: bool) -> Self {
        let mut coverage = Vec::new();
        let mut positions = BTreeMap::new();
        for compiled in &contract.apis {
            for (index, operation) in compiled.api.operations.iter().enumerate() {
                positions.insert((compiled.index, index), coverage.len());
                coverage.push(OperationCoverage {
                    api: compiled.api.name.clone(),
                    operation: operation.id.clone(),
                    method: operation.method.clone(),
                    path: operation.path.clone(),
                    exchanges: 0,
                    failing: 0,
                    statuses: operation
                        .responses
                        .iter()
                        .map(|r| (r.status.to_string(), false))
                        .collect(),
                });
            }
        }
        ReportBuilder {
            contract,
            keep_conforming,
            kept: Vec::new(),
            coverage,
            positions,
            total: 0,
            failing: 0,
        }
    }

    pub fn add(&mut self, exchange: CheckedExchange) {
        self.total += 1;
        let failed = !exchange.failures.is_empty();
        self.failing += usize::from(failed);
        if let Some((api, index)) = exchange.operation
            && let Some(&position) = self.positions.get(&(api, index))
        {
            let responses = &self.contract.apis[api].api.operations[index].responses;
            let exact = responses
                .iter()
                .find(|r| r.status != StatusKey::Default && r.status.covers(exchange.status));
            let key = exact.or_else(|| responses.iter().find(|r| r.status == StatusKey::Default));
            let entry = &mut self.coverage[position];
            entry.exchanges += 1;
            entry.failing += usize::from(failed);
            if let Some(response) = key {
                entry.statuses.insert(response.status.to_string(), true);
            }
        }
        if failed || self.keep_conforming {
            self.kept.push(exchange);
        }
    }

    pub fn finish(self) -> Report {
        Report {
            summary: Summary {
                exchanges: self.total,
                conforming: self.total - self.failing,
                failing: self.failing,
                operations_declared: self.coverage.len(),
                operations_exercised: self.coverage.iter().filter(|c| c.exchanges > 0).count(),
            },
            exchanges: self.kept,
            coverage: self.coverage,
        }
    }
}

impl Report {
    pub fn conforms(&self) -> bool {
        self.summary.failing == 0
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Grouped by operation; `color` adds ANSI colours.
    pub fn human(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mut groups: BTreeMap<String, (usize, Vec<&CheckedExchange>)> = BTreeMap::new();
        for c in self.coverage.iter().filter(|c| c.exchanges > 0) {
            groups.insert(c.operation.clone(), (c.exchanges, Vec::new()));
        }
        for exchange in self.exchanges.iter().filter(|e| !e.failures.is_empty()) {
            let key = exchange
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("(undocumented) {} {}", exchange.method, exchange.path));
            let group = groups.entry(key).or_insert((0, Vec::new()));
            if exchange.operation_id.is_none() {
                group.0 += 1;
            }
            group.1.push(exchange);
        }
        let mut out = String::new();
        for (operation, (total, failing)) in groups {
            let mark = if failing.is_empty() {
                paint("32", "PASS")
            } else {
                paint("31", "FAIL")
            };
            out.push_str(&format!(
                "{mark} {operation}: {total} exchange(s), {} failing\n",
                failing.len()
            ));
            for exchange in failing {
                out.push_str(&format!(
                    "  {} {} → {} ({})\n",
                    exchange.method, exchange.path, exchange.status, exchange.source
                ));
                for failure in &exchange.failures {
                    out.push_str(&format!(
                        "    {} [{}{}] {}\n",
                        paint("33", &failure.check),
                        failure.violation.keyword(),
                        at(&failure.violation.instance_path),
                        failure.violation.message
                    ));
                }
                if let Some(command) = &exchange.reproduce {
                    out.push_str(&format!("    reproduce: {command}\n"));
                }
            }
        }
        out.push_str("\nCoverage (operations × declared statuses exercised):\n");
        for c in &self.coverage {
            let statuses: Vec<String> = c
                .statuses
                .iter()
                .map(|(s, hit)| if *hit { s.clone() } else { format!("-{s}") })
                .collect();
            out.push_str(&format!(
                "  {:<7} {}{}  {} exchange(s)  [{}]\n",
                c.method,
                c.api,
                c.path,
                c.exchanges,
                statuses.join(" ")
            ));
        }
        let s = &self.summary;
        out.push_str(&format!(
            "\n{} exchange(s): {} conforming, {} failing; {}/{} operations exercised\n",
            s.exchanges, s.conforming, s.failing, s.operations_exercised, s.operations_declared
        ));
        out
    }

    /// One testcase per kept exchange: build the report with `keep_conforming` for JUnit.
    pub fn junit(&self) -> String {
        use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};
        let mut suite = TestSuite::new("understudy validate");
        for exchange in &self.exchanges {
            let name = format!(
                "{} {} → {} ({})",
                exchange.method, exchange.path, exchange.status, exchange.source
            );
            let status = if exchange.failures.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let checks: Vec<&str> =
                    exchange.failures.iter().map(|f| f.check.as_str()).collect();
                status.set_message(checks.join(", "));
                let lines: Vec<String> = exchange
                    .failures
                    .iter()
                    .map(|f| {
                        format!(
                            "{}{}: {}",
                            f.check,
                            at(&f.violation.instance_path),
                            f.violation.message
                        )
                    })
                    .collect();
                status.set_description(lines.join("\n"));
                status
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(
                exchange
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| "undocumented".into()),
            );
            suite.add_test_case(case);
        }
        let mut report = JUnit::new("understudy");
        report.add_test_suite(suite);
        report.to_string().unwrap_or_default()
    }
}

/// ` at /pointer`, or nothing for the whole instance.
fn at(instance_path: &str) -> String {
    if instance_path.is_empty() {
        String::new()
    } else {
        format!(" at {instance_path}")
    }
}
