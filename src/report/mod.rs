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
    /// Declared status keys (`200`, `4XX`, `default`) and whether traffic exercised each.
    pub statuses: BTreeMap<String, bool>,
}

impl Report {
    pub fn new(contract: &Contract, exchanges: Vec<CheckedExchange>) -> Report {
        let mut coverage = Vec::new();
        for compiled in &contract.apis {
            for (index, operation) in compiled.api.operations.iter().enumerate() {
                let seen: Vec<&CheckedExchange> = exchanges
                    .iter()
                    .filter(|e| e.operation == Some((compiled.index, index)))
                    .collect();
                let statuses = operation
                    .responses
                    .iter()
                    .map(|r| {
                        let exercised = seen.iter().any(|e| match r.status {
                            StatusKey::Default => !operation.responses.iter().any(|other| {
                                other.status != StatusKey::Default && other.status.covers(e.status)
                            }),
                            key => key.covers(e.status),
                        });
                        (r.status.to_string(), exercised)
                    })
                    .collect();
                coverage.push(OperationCoverage {
                    api: compiled.api.name.clone(),
                    operation: operation.id.clone(),
                    method: operation.method.clone(),
                    path: operation.path.clone(),
                    exchanges: seen.len(),
                    statuses,
                });
            }
        }
        let failing = exchanges.iter().filter(|e| !e.failures.is_empty()).count();
        Report {
            summary: Summary {
                exchanges: exchanges.len(),
                conforming: exchanges.len() - failing,
                failing,
                operations_declared: coverage.len(),
                operations_exercised: coverage.iter().filter(|c| c.exchanges > 0).count(),
            },
            exchanges,
            coverage,
        }
    }

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
        let mut out = String::new();
        let mut groups: BTreeMap<String, Vec<&CheckedExchange>> = BTreeMap::new();
        for exchange in &self.exchanges {
            let key = exchange
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("(undocumented) {} {}", exchange.method, exchange.path));
            groups.entry(key).or_default().push(exchange);
        }
        for (operation, exchanges) in groups {
            let failing = exchanges.iter().filter(|e| !e.failures.is_empty()).count();
            let mark = if failing == 0 {
                paint("32", "PASS")
            } else {
                paint("31", "FAIL")
            };
            out.push_str(&format!(
                "{mark} {operation}: {} exchange(s), {failing} failing\n",
                exchanges.len()
            ));
            for exchange in exchanges.iter().filter(|e| !e.failures.is_empty()) {
                out.push_str(&format!(
                    "  {} {} → {} ({})\n",
                    exchange.method, exchange.path, exchange.status, exchange.source
                ));
                for failure in &exchange.failures {
                    let pointer = if failure.violation.instance_path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", failure.violation.instance_path)
                    };
                    out.push_str(&format!(
                        "    {} [{}{}] {}\n",
                        paint("33", &failure.check),
                        failure.violation.keyword,
                        pointer,
                        failure.violation.message
                    ));
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
                status.set_message(
                    exchange
                        .failures
                        .iter()
                        .map(|f| f.check.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                status.set_description(
                    exchange
                        .failures
                        .iter()
                        .map(|f| {
                            let at = if f.violation.instance_path.is_empty() {
                                String::new()
                            } else {
                                format!(" at {}", f.violation.instance_path)
                            };
                            format!("{}{at}: {}", f.check, f.violation.message)
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
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
