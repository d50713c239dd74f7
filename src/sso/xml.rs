//! A small namespace-aware element tree over quick-xml, for the WS-Trust and SAML documents.
//!
//! Every element and attribute carries its resolved namespace, so lookups never depend on the
//! prefixes a peer chose (pyvmomi canonicalizes its requests, which moves declarations around;
//! lxml re-serializes the assertion it extracts with the declarations of its ancestors). An
//! element can be written back out as a standalone document carrying every declaration in
//! scope where it stood, the way lxml's `tostring` extracts one.
//!
//! The parser refuses what these protocols never need: a DOCTYPE (and so any entity other
//! than the predefined ones), undeclared prefixes, and nesting deeper than `MAX_DEPTH`.

use std::io::Cursor;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, Writer, XmlVersion};

/// Deeper nesting than any SOAP, WS-Trust or SAML document has.
pub(super) const MAX_DEPTH: usize = 64;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not well-formed XML: {0}")]
pub struct XmlError(pub String);

fn err(what: impl std::fmt::Display) -> XmlError {
    XmlError(what.to_string())
}

/// A namespace declaration: the prefix (`None` for the default namespace) and its URI.
pub(super) type Decl = (Option<String>, String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// The resolved namespace; unprefixed attributes have none.
    pub ns: Option<String>,
    pub prefix: Option<String>,
    pub local: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The resolved namespace; `None` when the element is in no namespace.
    pub ns: Option<String>,
    pub prefix: Option<String>,
    pub local: String,
    /// The declarations written on this element.
    pub decls: Vec<Decl>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

impl Element {
    /// An element in namespace `ns`, written with `prefix` (which the caller declares).
    pub fn new(ns: &str, prefix: &str, local: &str) -> Element {
        Element {
            ns: Some(ns.to_owned()),
            prefix: Some(prefix.to_owned()),
            local: local.to_owned(),
            decls: Vec::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An element in no namespace (SOAP 1.1's `faultcode` and `faultstring`).
    pub fn unqualified(local: &str) -> Element {
        Element {
            ns: None,
            prefix: None,
            local: local.to_owned(),
            decls: Vec::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn declare(mut self, prefix: &str, ns: &str) -> Element {
        self.decls.push((Some(prefix.to_owned()), ns.to_owned()));
        self
    }

    /// An unprefixed attribute.
    pub fn attr(mut self, local: &str, value: &str) -> Element {
        self.attrs.push(Attr {
            ns: None,
            prefix: None,
            local: local.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    /// A namespaced attribute written with `prefix` (declared by the caller).
    pub fn ns_attr(mut self, ns: &str, prefix: &str, local: &str, value: &str) -> Element {
        self.attrs.push(Attr {
            ns: Some(ns.to_owned()),
            prefix: Some(prefix.to_owned()),
            local: local.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    pub fn child(mut self, e: Element) -> Element {
        self.children.push(Node::Element(e));
        self
    }

    pub fn text(mut self, t: &str) -> Element {
        self.children.push(Node::Text(t.to_owned()));
        self
    }

    /// Whether this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element `{ns}local`.
    pub fn first(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// The first child element in no namespace named `local`.
    pub fn first_unqualified(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.ns.is_none() && e.local == local)
    }

    /// The text directly inside this element, trimmed.
    pub fn text_content(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s.trim().to_owned()
    }

    /// An unprefixed attribute's value.
    pub fn attr_value(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// A namespaced attribute's value.
    pub fn ns_attr_value(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(ns) && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The first element `{ns}local` in document order (this one included), with the
    /// declarations in scope at it that its ancestors made.
    pub fn find(&self, ns: &str, local: &str) -> Option<(&Element, Vec<Decl>)> {
        let mut scope = Vec::new();
        self.find_in(ns, local, &mut scope)
            .map(|e| (e, std::mem::take(&mut scope)))
    }

    fn find_in<'a>(&'a self, ns: &str, local: &str, scope: &mut Vec<Decl>) -> Option<&'a Element> {
        if self.is(ns, local) {
            return Some(self);
        }
        let mark = scope.len();
        scope.extend(self.decls.iter().cloned());
        for e in self.elements() {
            if let Some(found) = e.find_in(ns, local, scope) {
                return Some(found);
            }
        }
        scope.truncate(mark);
        None
    }

    /// This element as a document of its own: it also declares every prefix of `inherited`
    /// (the innermost declaration of each) that it does not redeclare itself.
    pub fn to_standalone_xml(&self, inherited: &[Decl]) -> String {
        let mut root = self.clone();
        let mut extra: Vec<Decl> = Vec::new();
        for (prefix, uri) in inherited.iter().rev() {
            let declared = root
                .decls
                .iter()
                .chain(extra.iter())
                .any(|(p, _)| p == prefix);
            if !declared {
                extra.push((prefix.clone(), uri.clone()));
            }
        }
        extra.reverse();
        root.decls.extend(extra);
        root.to_xml()
    }

    /// This element serialized (no XML declaration, no added whitespace).
    pub fn to_xml(&self) -> String {
        let mut w = Writer::new(Cursor::new(Vec::new()));
        // Writing into memory cannot fail.
        let _ = write(&mut w, self);
        String::from_utf8(w.into_inner().into_inner()).unwrap_or_default()
    }
}

fn qname(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

fn write(w: &mut Writer<Cursor<Vec<u8>>>, e: &Element) -> std::io::Result<()> {
    let name = qname(e.prefix.as_deref(), &e.local);
    let mut start = BytesStart::new(name.as_str());
    for (prefix, uri) in &e.decls {
        let key = match prefix {
            Some(p) => format!("xmlns:{p}"),
            None => "xmlns".to_owned(),
        };
        start.push_attribute((key.as_str(), uri.as_str()));
    }
    for a in &e.attrs {
        start.push_attribute((
            qname(a.prefix.as_deref(), &a.local).as_str(),
            a.value.as_str(),
        ));
    }
    if e.children.is_empty() {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start))?;
    for n in &e.children {
        match n {
            Node::Element(c) => write(w, c)?,
            Node::Text(t) => w.write_event(Event::Text(BytesText::new(t)))?,
        }
    }
    w.write_event(Event::End(BytesEnd::new(name.as_str())))
}

fn resolved(r: ResolveResult<'_>, name: &[u8]) -> Result<Option<String>, XmlError> {
    match r {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(p) => Err(err(format_args!(
            "undeclared prefix `{}` on `{}`",
            String::from_utf8_lossy(&p),
            String::from_utf8_lossy(name)
        ))),
    }
}

fn utf8(b: &[u8]) -> Result<String, XmlError> {
    std::str::from_utf8(b).map(str::to_owned).map_err(err)
}

/// One element from a start tag (its attributes resolved), without children yet.
fn open(
    reader: &NsReader<&[u8]>,
    ns: Option<String>,
    start: &BytesStart,
) -> Result<Element, XmlError> {
    let name = start.name();
    let (local, prefix) = name.decompose();
    let mut e = Element {
        ns,
        prefix: prefix.map(|p| utf8(p.as_ref())).transpose()?,
        local: utf8(local.as_ref())?,
        decls: Vec::new(),
        attrs: Vec::new(),
        children: Vec::new(),
    };
    for a in start.attributes() {
        let a = a.map_err(err)?;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(err)?
            .into_owned();
        if let Some(binding) = a.key.as_namespace_binding() {
            let prefix = match binding {
                quick_xml::name::PrefixDeclaration::Default => None,
                quick_xml::name::PrefixDeclaration::Named(p) => Some(utf8(p)?),
            };
            e.decls.push((prefix, value));
            continue;
        }
        let (r, local) = reader.resolver().resolve_attribute(a.key);
        let ns = resolved(r, a.key.as_ref())?;
        let (_, prefix) = a.key.decompose();
        e.attrs.push(Attr {
            ns,
            prefix: prefix.map(|p| utf8(p.as_ref())).transpose()?,
            local: utf8(local.as_ref())?,
            value,
        });
    }
    Ok(e)
}

/// Appends text to the innermost open element (text outside the root is whitespace or an
/// error quick-xml reports).
fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        match top.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => top.children.push(Node::Text(text.to_owned())),
        }
    }
}

/// Parses a whole document into its root element.
pub(super) fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (r, event) = reader.read_resolved_event().map_err(err)?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(err("content after the root element"));
            }
            Event::Start(s) => {
                let ns = resolved(r, s.name().as_ref())?;
                let e = open(&reader, ns, &s)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format_args!("nested deeper than {MAX_DEPTH} elements")));
                }
                stack.push(e);
            }
            Event::Empty(s) => {
                let ns = resolved(r, s.name().as_ref())?;
                let e = open(&reader, ns, &s)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                let e = stack.pop().ok_or_else(|| err("unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content().map_err(err)?;
                if stack.is_empty() {
                    if !text.trim().is_empty() {
                        return Err(err("text outside the root element"));
                    }
                } else {
                    push_text(&mut stack, &text);
                }
            }
            Event::CData(c) => {
                let text = c.xml10_content().map_err(err)?;
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(g) => {
                let text = match g.resolve_char_ref().map_err(err)? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = g.decode().map_err(err)?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| err(format_args!("unknown entity `&{name};`")))?
                            .to_owned()
                    }
                };
                if stack.is_empty() {
                    return Err(err("entity reference outside the root element"));
                }
                push_text(&mut stack, &text);
            }
            Event::DocType(_) => return Err(err("a DOCTYPE is not accepted")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(err("unclosed element at the end of the document"));
    }
    root.ok_or_else(|| err("no root element"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_whatever_the_prefixes() {
        let a = parse(r#"<a:x xmlns:a="urn:n"><a:y k="1">t&amp;u&#33;</a:y></a:x>"#).unwrap();
        let b = parse(r#"<x xmlns="urn:n"><y k="1">t&amp;u<![CDATA[!]]></y></x>"#).unwrap();
        for root in [&a, &b] {
            assert!(root.is("urn:n", "x"));
            let y = root.first("urn:n", "y").unwrap();
            assert_eq!(y.text_content(), "t&u!");
            assert_eq!(y.attr_value("k"), Some("1"));
        }
    }

    #[test]
    fn refuses_what_the_protocols_never_need() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<p:a/>",
            "<a/><b/>",
            "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            "<a>&e;</a>",
            "text",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn an_extracted_element_carries_its_inherited_declarations() {
        let doc = parse(
            r#"<e:Env xmlns:e="urn:env" xmlns:s="urn:saml" xmlns:q="urn:q"><e:Body><s:A ID="1" q:z="2"><s:B>x &lt; y</s:B></s:A></e:Body></e:Env>"#,
        )
        .unwrap();
        let (a, scope) = doc.find("urn:saml", "A").unwrap();
        let text = a.to_standalone_xml(&scope);
        let again = parse(&text).unwrap();
        assert!(again.is("urn:saml", "A"));
        assert_eq!(again.ns_attr_value("urn:q", "z"), Some("2"));
        assert_eq!(
            again.first("urn:saml", "B").unwrap().text_content(),
            "x < y"
        );
    }

    #[test]
    fn built_elements_round_trip() {
        let e = Element::new("urn:n", "n", "root")
            .declare("n", "urn:n")
            .attr("a", "\"quoted\" & <angled>")
            .child(Element::unqualified("plain").text("1 < 2"));
        let back = parse(&e.to_xml()).unwrap();
        assert_eq!(back.attr_value("a"), Some("\"quoted\" & <angled>"));
        assert_eq!(
            back.first_unqualified("plain").unwrap().text_content(),
            "1 < 2"
        );
    }
}
