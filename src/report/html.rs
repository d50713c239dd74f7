//! `report.html`: one self-contained page (inline CSS, no script, no external resource) with the
//! same content as `report.md`. Every piece of text goes through `escape`, so markup in a
//! server's answer is shown, never run.

use std::fmt::Write;

use super::model::{ClauseReport, RunReport, Verdict};
use super::redact::Redactor;
use super::text;

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
.badge{display:inline-block;border-radius:.8rem;padding:.05rem .6rem;font-size:.85rem;font-weight:600;color:#fff;white-space:nowrap}
.pass{background:#1a7f37}.fail{background:#cf222e}.accepted{background:#bc4c00}
.not_exercisable{background:#6e7781}.inconclusive{background:#9a6700}
.flags{border-left:4px solid #bc4c00;padding-left:1rem}
.id,h3{white-space:nowrap}
code{background:#f6f8fa;border-radius:.3rem;padding:0 .25rem;font-size:.9em}
.verdict{font-size:1.25rem;border-left:6px solid;padding:.4rem 1rem;background:#f6f8fa}
.verdict-pass{border-color:#1a7f37}.verdict-fail{border-color:#cf222e}.verdict-inconclusive{border-color:#9a6700}
.verdict .badge{font-size:1.1rem}
a.badge{text-decoration:none}
";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let r = redactor.report(report);
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Snapservice restore conformance: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&r.target.url)
    );
    verdict(&mut o, &r);
    header(&mut o, &r);
    matrix(&mut o, &r);
    failures(&mut o, &r);
    reasons(&mut o, &r, Verdict::NotExercisable, "Not exercisable");
    reasons(&mut o, &r, Verdict::Inconclusive, "Inconclusive");
    cleanup(&mut o, &r);
    o.push_str("</body>\n</html>\n");
    o
}

/// Escaped text with the catalog's inline code (`...`) as `<code>`.
pub fn with_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('`').enumerate() {
        // Odd parts are inside backticks; an unpaired last backtick stays as text.
        let inside = i % 2 == 1 && s.split('`').count() > i + 1;
        if inside {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// The page opens with the run's verdict and its counts.
fn verdict(o: &mut String, r: &RunReport) {
    let v = text::overall(r);
    let _ = writeln!(
        o,
        "<h1>Snapservice restore conformance report</h1>\n<p class=\"verdict verdict-{class}\">Verdict: <span class=\"badge {class}\">{label}</span> {counts}</p>",
        class = v.as_str(),
        label = v.as_str(),
        counts = escape(&format!(
            "{} clauses: {}.",
            r.clauses.len(),
            text::summary_counts(r)
        )),
    );
}

fn header(o: &mut String, r: &RunReport) {
    o.push_str("<table>\n");
    let rows = [
        ("Target", format!("{} ({})", r.target.url, r.target.kind)),
        (
            "TLS verification",
            if r.target.insecure {
                "off (--insecure)".into()
            } else {
                "on".into()
            },
        ),
        ("Wire form", r.target.wire.clone()),
        (
            "Harness",
            format!("{} {}", r.harness.name, r.harness.version),
        ),
        ("Started", r.started_at.clone()),
        ("Seed", r.seed.to_string()),
        ("Duration", text::duration(r.duration_s)),
        ("Strict", text::yes_no(r.strict).into()),
        ("Cases per property", r.cases_per_property.to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    }
    let _ = writeln!(
        o,
        "</table>\n<p><strong>Summary:</strong> {}.</p>",
        escape(&text::summary_counts(r))
    );
    if let Some(why) = &r.interrupted {
        let _ = writeln!(
            o,
            "<p class=\"flags\"><strong>Interrupted:</strong> {}. Clauses not reached are not passes.</p>",
            escape(why)
        );
    }
    if !r.flags.is_empty() {
        o.push_str("<h2>Flags</h2>\n<ul class=\"flags\">\n");
        for f in &r.flags {
            let _ = writeln!(o, "<li>{}</li>", escape(f));
        }
        o.push_str("</ul>\n");
    }
}

/// The verdict badge; a failed clause's badge links to its failures.
fn badge(c: &ClauseReport) -> String {
    let class = match (c.verdict, &c.deviation) {
        (Verdict::Fail, Some(_)) => "accepted",
        (v, _) => v.as_str(),
    };
    let label = escape(&text::verdict_label(c));
    if c.verdict == Verdict::Fail {
        format!(
            "<a class=\"badge {class}\" href=\"#failures-{}\">{label}</a>",
            escape(&c.id)
        )
    } else {
        format!("<span class=\"badge {class}\">{label}</span>")
    }
}

fn matrix(o: &mut String, r: &RunReport) {
    o.push_str("<h2>Clause matrix</h2>\n<table>\n<tr><th>Clause</th><th>Title</th><th>Source</th><th>Verdict</th><th>Cases</th></tr>\n");
    for c in &r.clauses {
        let _ = writeln!(
            o,
            "<tr id=\"{id}\"><td class=\"id\">{id}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            with_code(&c.title),
            escape(&c.source),
            badge(c),
            c.cases,
            id = escape(&c.id),
        );
    }
    o.push_str("</table>\n");
}

fn failures(o: &mut String, r: &RunReport) {
    let failing: Vec<_> = text::with_verdict(r, Verdict::Fail).collect();
    if failing.is_empty() {
        return;
    }
    o.push_str("<h2>Failures</h2>\n");
    for c in failing {
        let _ = writeln!(
            o,
            "<h3 id=\"failures-{id}\">{id}</h3>\n<p>{}</p>",
            with_code(&c.title),
            id = escape(&c.id)
        );
        if let Some(why) = &c.deviation {
            let _ = writeln!(
                o,
                "<p>Known deviation (not counted in the exit code): {}</p>",
                escape(why)
            );
        }
        if c.failures.is_empty() {
            o.push_str("<p>No failing case was recorded for this clause.</p>\n");
        }
        for (i, f) in c.failures.iter().enumerate() {
            let seed = f.seed.map(|s| format!(", seed {s}")).unwrap_or_default();
            let _ = writeln!(
                o,
                "<h4>Case {}: trial {}{}</h4>",
                i + 1,
                escape(&f.trial),
                escape(&seed)
            );
            for (label, body) in [
                ("Expected", &f.expected),
                ("Observed", &f.observed),
                ("Minimal case", &f.minimal_case),
                ("Reproduce", &f.curl),
            ] {
                let _ = writeln!(o, "<p>{label}:</p>\n<pre>{}</pre>", escape(body.trim_end()));
            }
        }
    }
}

fn reasons(o: &mut String, r: &RunReport, verdict: Verdict, heading: &str) {
    let clauses: Vec<_> = text::with_verdict(r, verdict).collect();
    if clauses.is_empty() {
        return;
    }
    let _ = writeln!(o, "<h2>{heading}</h2>\n<ul>");
    for c in clauses {
        let why = c.reason.as_deref().unwrap_or("no reason recorded");
        let _ = writeln!(
            o,
            "<li><strong>{}</strong>: {}</li>",
            escape(&c.id),
            escape(why)
        );
    }
    o.push_str("</ul>\n");
}

fn cleanup(o: &mut String, r: &RunReport) {
    let c = &r.cleanup;
    o.push_str("<h2>Cleanup</h2>\n<ul>\n");
    for (label, items) in [
        ("Created", &c.created),
        ("Removed", &c.removed),
        ("Left behind", &c.left),
    ] {
        let _ = write!(o, "<li>{label} ({})", items.len());
        if !items.is_empty() {
            o.push_str("<ul>");
            for i in items {
                let _ = write!(o, "<li>{}</li>", escape(i));
            }
            o.push_str("</ul>");
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn page() -> String {
        render(
            &sample::report(),
            &Redactor::new(vec![sample::SECRET.into()]),
        )
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn page_shows_markup_as_text_and_hides_the_secret() {
        let p = page();
        assert!(
            !p.contains("<script"),
            "a <script> from the target reached the page"
        );
        assert!(p.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(!p.contains(sample::SECRET));
        assert!(p.contains("password &lt;redacted&gt;"));
    }

    #[test]
    fn page_is_self_contained() {
        let p = page();
        for external in ["<link", "<img", "src=", "http-equiv", "@import", "url("] {
            assert!(!p.contains(external), "{external}");
        }
        assert!(p.starts_with("<!DOCTYPE html>") && p.ends_with("</html>\n"));
    }

    #[test]
    fn page_has_the_matrix_badges_and_sections() {
        let p = page();
        assert!(p.contains("<td class=\"id\">ACC-1</td>"));
        assert!(p.contains("<span class=\"badge pass\">pass</span>"));
        assert!(p.contains("<a class=\"badge fail\" href=\"#failures-AUTHZ-2\">fail</a>"));
        assert!(p.contains("<h3 id=\"failures-AUTHZ-2\">AUTHZ-2</h3>"));
        assert!(p.contains("<span class=\"badge not_exercisable\">not_exercisable</span>"));
        assert!(p.contains("<span class=\"badge inconclusive\">inconclusive</span>"));
        assert!(p.contains("<td class=\"num\">17</td>"));
        assert!(p.contains("<p>Reproduce:</p>\n<pre>curl -sS -X POST"));
        assert!(p.contains("<h2>Not exercisable</h2>") && p.contains("<h2>Inconclusive</h2>"));
        assert!(p.contains("<li>vm-1001: delete answered 500</li>"));
        let mut r = sample::report();
        r.clauses[1].deviation = Some("ticket 9".into());
        let p = render(&r, &Redactor::none());
        assert!(p.contains(
            "<a class=\"badge accepted\" href=\"#failures-AUTHZ-2\">fail (known deviation)</a>"
        ));
    }

    #[test]
    fn page_opens_with_the_verdict_and_its_counts() {
        let p = page();
        let v = p
            .find("class=\"verdict verdict-fail\"")
            .expect("a verdict line");
        assert!(v < p.find("<table>").unwrap(), "the verdict comes first");
        assert!(p.contains("4 clauses: 1 pass, 1 fail, 1 not exercisable, 1 inconclusive."));
        let mut r = sample::report();
        r.clauses.retain(|c| c.verdict == Verdict::Pass);
        r.recount();
        assert!(render(&r, &Redactor::none()).contains("class=\"verdict verdict-pass\""));
        r.clauses[0].verdict = Verdict::Inconclusive;
        r.recount();
        assert!(render(&r, &Redactor::none()).contains("class=\"verdict verdict-inconclusive\""));
    }

    #[test]
    fn inline_code_is_code_and_escaped() {
        assert_eq!(
            with_code("No `vmware-api-session-id` header: <401>"),
            "No <code>vmware-api-session-id</code> header: &lt;401&gt;"
        );
        assert_eq!(with_code("a `<b>` c `d"), "a <code>&lt;b&gt;</code> c `d");
        let p = page();
        assert!(
            !p.contains('`') || !p.contains("`error_type`"),
            "catalog code is rendered"
        );
        assert!(p.contains(".id,h3{white-space:nowrap}"));
    }
}
