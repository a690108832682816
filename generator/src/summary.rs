//! The model as compact, stable text: what snapshot tests compare and reviewers read when the
//! document changes.

use std::fmt::Write;

use crate::model::{
    Api, BodyKind, Field, ParamLocation, Primitive, RequestContent, SecuritySchemeKind, StatusSpec,
    TypeKind, TypeRef,
};

/// Renders the whole model.
pub fn summary(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "api {:?} version {:?}", api.title, api.version);
    for server in &api.servers {
        let _ = writeln!(out, "server {}", server.url);
    }
    for scheme in &api.security_schemes {
        let kind = match &scheme.kind {
            SecuritySchemeKind::HttpBasic => "http basic".to_owned(),
            SecuritySchemeKind::HttpBearer => "http bearer".to_owned(),
            SecuritySchemeKind::ApiKey { location, name } => format!("api key {location:?} {name}"),
            SecuritySchemeKind::AccessToken { flow } => format!("{flow} access token"),
            SecuritySchemeKind::Unsupported { kind } => format!("unsupported {kind}"),
        };
        let login = scheme
            .login
            .as_ref()
            .map(|l| {
                format!(
                    " (login {} {} -> {})",
                    l.method.as_str(),
                    l.path,
                    l.token_pointer
                )
            })
            .unwrap_or_default();
        let _ = writeln!(out, "security scheme {}: {kind}{login}", scheme.key);
    }
    let _ = writeln!(out, "\noperations: {}", api.operations.len());
    for op in &api.operations {
        let deprecated = if op.deprecated { " deprecated" } else { "" };
        let id = op.operation_id.as_deref().unwrap_or("(no operationId)");
        let _ = writeln!(
            out,
            "{} {} {} [{id}]{deprecated}",
            op.name,
            op.method.as_str(),
            op.path.template
        );
        for p in &op.parameters {
            let location = match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            let required = if p.required { "" } else { "?" };
            let default = default_text(p.default.as_ref());
            let _ = writeln!(
                out,
                "  {location} {}{required} ({}): {}{default}",
                p.rust_name,
                p.name,
                type_text(&p.ty)
            );
        }
        if let Some(body) = &op.request_body {
            let required = if body.required { "" } else { "?" };
            let what = match &body.content {
                RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty } => {
                    type_text(ty)
                }
                RequestContent::Multipart { form } => form.clone(),
                RequestContent::Binary { .. } => "bytes".to_owned(),
            };
            let content = format!("{} {what}", body.content.media_type());
            let _ = writeln!(out, "  body{required}: {content}");
        }
        for response in &op.responses {
            let status = match response.status {
                StatusSpec::Code(c) => c.to_string(),
                StatusSpec::Range(r) => format!("{r}XX"),
                StatusSpec::Default => "default".into(),
            };
            let content: Vec<String> = response
                .content
                .iter()
                .map(|b| match &b.kind {
                    BodyKind::Json(ty) => format!("{} {}", b.media_type, type_text(ty)),
                    BodyKind::Binary => format!("{} bytes", b.media_type),
                })
                .collect();
            let content = if content.is_empty() {
                "no content".to_owned()
            } else {
                content.join(", ")
            };
            let _ = writeln!(out, "  -> {status}: {content}");
        }
        let security: Vec<String> = op.security.iter().map(|r| r.schemes.join("+")).collect();
        let _ = writeln!(
            out,
            "  security: {}",
            if security.is_empty() {
                "none".into()
            } else {
                security.join(" | ")
            }
        );
        let _ = writeln!(out, "  success: {:?}", op.success_body());
        if op.declares_length {
            let _ = writeln!(out, "  content-length: required (0 without a body)");
        }
        for waiter in &op.waiters {
            let _ = writeln!(
                out,
                "  waiter {}: delays {}..{} ms, acceptors {:?}",
                waiter.name, waiter.min_delay_ms, waiter.max_delay_ms, waiter.acceptors
            );
        }
        if let Some(p) = &op.paginator {
            let _ = writeln!(out, "  paginator: {p:?}");
        }
        if let Some(u) = &op.upload_wait {
            let _ = writeln!(out, "  upload-wait: {u:?}");
        }
        if let Some(t) = &op.then_wait {
            let _ = writeln!(out, "  then-wait: {t:?}");
        }
    }
    let _ = writeln!(out, "\ntypes: {}", api.types.len());
    for def in &api.types {
        match &def.kind {
            TypeKind::Struct(s) => {
                let _ = writeln!(out, "struct {}", def.name);
                fields(&mut out, &s.fields);
                // Other properties are kept as any JSON unless the document says more.
                if s.additional != TypeRef::Primitive(Primitive::Any) {
                    let _ = writeln!(out, "  ..: {}", type_text(&s.additional));
                }
            }
            TypeKind::Form(f) => {
                let _ = writeln!(out, "form {}", def.name);
                fields(&mut out, f);
            }
            TypeKind::Enum(variants) => {
                let values: Vec<String> = variants
                    .iter()
                    .map(|v| format!("{}={:?}", v.rust_name, v.value))
                    .collect();
                let _ = writeln!(out, "enum {}: {}", def.name, values.join(" "));
            }
            TypeKind::Alias(target) => {
                let _ = writeln!(out, "alias {} = {}", def.name, type_text(target));
            }
            TypeKind::Union(u) => {
                let by = u
                    .discriminator
                    .as_deref()
                    .map(|d| format!(" by {d}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "union {}{by}", def.name);
                for v in &u.variants {
                    let boxed = if v.boxed { " (boxed)" } else { "" };
                    let tags = if v.tags.is_empty() {
                        String::new()
                    } else {
                        format!(" {:?}", v.tags)
                    };
                    let _ = writeln!(out, "  {}: {}{boxed}{tags}", v.rust_name, type_text(&v.ty));
                }
            }
        }
    }
    out
}

fn fields(out: &mut String, fields: &[Field]) {
    for f in fields {
        let required = if f.required { "" } else { "?" };
        let boxed = if f.boxed { " (boxed)" } else { "" };
        let null = if f.nullable { " | null" } else { "" };
        let wire = if f.rust_name == f.name {
            String::new()
        } else {
            format!(" ({})", f.name)
        };
        let default = default_text(f.default.as_ref());
        let _ = writeln!(
            out,
            "  {}{required}{wire}: {}{null}{boxed}{default}",
            f.rust_name,
            type_text(&f.ty)
        );
    }
}

fn default_text(default: Option<&serde_json::Value>) -> String {
    default.map(|d| format!(" = {d}")).unwrap_or_default()
}

fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Array(item) => format!("[{}]", type_text(item)),
        TypeRef::Map(value) => format!("{{string: {}}}", type_text(value)),
        TypeRef::Nullable(value) => format!("{} | null", type_text(value)),
        TypeRef::Primitive(p) => match p {
            Primitive::String => "string",
            Primitive::Integer => "integer",
            Primitive::Integer32 => "int32",
            Primitive::Number => "number",
            Primitive::Boolean => "boolean",
            Primitive::DateTime => "date-time",
            Primitive::Date => "date",
            Primitive::File => "file",
            Primitive::Any => "any",
            Primitive::Object => "object",
        }
        .to_owned(),
    }
}
