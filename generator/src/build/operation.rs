//! Paths and operations: parameters, request bodies, responses and security of each.

use openapiv3::{
    MediaType, Operation as OaOperation, Parameter as OaParameter, ParameterSchemaOrContent,
    QueryStyle, ReferenceOr, RequestBody as OaRequestBody, Response as OaResponse, StatusCode,
};

use super::names::{camel, snake, Namespace};
use super::naming;
use super::refs;
use super::Builder;
use crate::diagnostics::{pointer_token, Error};
use crate::model::{
    BodyKind, Constraints, Field, Method, Operation, ParamLocation, Parameter, PathSegment,
    PathTemplate, Primitive, RequestBody, RequestContent, Response, ResponseBody, StatusSpec,
    TypeDef, TypeKind, TypeRef,
};

impl<'a> Builder<'a> {
    pub(super) fn build_operations(&mut self) -> Result<Vec<Operation>, Error> {
        self.read_naming_extensions()?;
        let mut method_names = Namespace::new();
        // Names the generated client defines itself, and the stubs' `Mock` (which has a
        // method per operation, named as the client's).
        for reserved in [
            "new",
            "builder",
            "from_env",
            "runtime",
            "base_url",
            "with_runtime",
            "redact",
            "start",
            "url",
            "client",
            "verify",
        ] {
            method_names.reserve(reserved);
        }
        let mut operations = Vec::new();
        for (path, item) in &self.doc.paths.paths {
            let item_pointer = format!("/paths/{}", pointer_token(path));
            let ReferenceOr::Item(item) = item else {
                return Err(self.invalid(&item_pointer, "$ref path items are not supported"));
            };
            for (method, op) in item.iter() {
                let pointer = format!("{item_pointer}/{method}");
                let operation = self.operation(
                    path,
                    method,
                    op,
                    &item.parameters,
                    &pointer,
                    &mut method_names,
                )?;
                operations.push(operation);
            }
        }
        // Upload-and-wait and then-wait name other operations, so they are read once all of
        // them exist.
        let mut index = 0;
        let mut pointers = Vec::new();
        for (path, item) in &self.doc.paths.paths {
            let item_pointer = format!("/paths/{}", pointer_token(path));
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for (method, op) in item.iter() {
                let pointer = format!("{item_pointer}/{method}");
                operations[index].upload_wait =
                    self.upload_wait(&op.extensions, &operations[index], &operations, &pointer)?;
                operations[index].then_wait =
                    self.then_wait(&op.extensions, &operations[index], &operations, &pointer)?;
                pointers.push(pointer);
                index += 1;
            }
        }
        self.check_extension_methods(&operations, &pointers)?;
        Ok(operations)
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &'a OaOperation,
        path_parameters: &'a [ReferenceOr<OaParameter>],
        pointer: &str,
        method_names: &mut Namespace,
    ) -> Result<Operation, Error> {
        let method = parse_method(method);
        let wanted = match (
            self.name_override(&op.extensions, pointer)?,
            &op.operation_id,
        ) {
            (Some(name), _) => name,
            (None, Some(id)) => {
                let name = snake(self.without_suffix(id));
                if self.verb_names {
                    naming::by_verb(method, &name, self.shape(path, op))
                } else {
                    name
                }
            }
            (None, None) => {
                let derived = derived_name(method, path);
                self.warn(
                    pointer,
                    &format!(
                        "operation has no operationId; named `{derived}` from its method and path"
                    ),
                );
                derived
            }
        };
        let name = method_names.claim(&wanted);
        let type_prefix = camel(&name);
        let template = parse_path(path);
        let (parameters, declares_length) =
            self.parameters(&template, op, path_parameters, &type_prefix, pointer)?;
        let request_body = match &op.request_body {
            Some(body) => Some(self.request_body(body, &type_prefix, pointer)?),
            None => None,
        };
        if let Some(RequestContent::Multipart { form }) = request_body.as_ref().map(|b| &b.content)
        {
            self.keep_form_fields_apart(form, &parameters);
        }
        let responses = self.responses(op, &type_prefix, pointer)?;
        let security = self.security(op.security.as_ref(), pointer);
        let waiters = self.waiters(&op.extensions, pointer)?;
        let mut operation = Operation {
            name,
            // Named and signed by `signature`, once every type is final.
            builder: String::new(),
            call: String::new(),
            call_form: String::new(),
            arguments: Vec::new(),
            operation_id: op.operation_id.clone(),
            method,
            path: template,
            summary: op.summary.clone(),
            description: op.description.clone(),
            tags: op.tags.clone(),
            deprecated: op.deprecated,
            parameters,
            request_body,
            responses,
            security,
            waiters,
            paginator: None,
            upload_wait: None,
            then_wait: None,
            declares_length,
        };
        operation.paginator = self.paginator(&op.extensions, &operation, pointer)?;
        Ok(operation)
    }

    /// Path-level and operation-level parameters (the latter override by name and location),
    /// checked against the path template; and whether a required `Content-Length` header was
    /// among them (dropped: the client sets it).
    fn parameters(
        &mut self,
        template: &PathTemplate,
        op: &'a OaOperation,
        path_parameters: &'a [ReferenceOr<OaParameter>],
        type_prefix: &str,
        pointer: &str,
    ) -> Result<(Vec<Parameter>, bool), Error> {
        let mut resolved: Vec<(&'a OaParameter, String)> = Vec::new();
        let item_pointer = pointer.rsplit_once('/').map_or("", |(item, _)| item);
        let sources = path_parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (p, format!("{item_pointer}/parameters/{i}")))
            .chain(
                op.parameters
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{pointer}/parameters/{i}"))),
            );
        for (parameter, parameter_pointer) in sources {
            let parameter = self.resolve_parameter(parameter, &parameter_pointer)?;
            let key = |p: &OaParameter| (p.parameter_data_ref().name.clone(), location_of(p));
            resolved.retain(|(existing, _)| key(existing) != key(parameter));
            resolved.push((parameter, parameter_pointer));
        }

        // Parameters become builder fields and setters, so the builder's own fields and
        // methods are off limits.
        let mut names = Namespace::new();
        for reserved in BUILDER_NAMES {
            names.reserve(reserved);
        }
        let mut parameters = Vec::new();
        let mut declares_length = false;
        for (parameter, parameter_pointer) in resolved {
            let data = parameter.parameter_data_ref();
            let location = location_of(parameter);
            if location == ParamLocation::Header && is_managed_header(&data.name) {
                declares_length |=
                    data.required && data.name.eq_ignore_ascii_case("content-length");
                self.warn(
                    &parameter_pointer,
                    &format!(
                        "header `{}` is set by the client from the request itself, not by a parameter; ignored",
                        data.name
                    ),
                );
                continue;
            }
            let hint = format!("{type_prefix}{}", camel(&data.name));
            let ty = match &data.format {
                // A parameter has no `null` to send: a nullable one is just optional.
                ParameterSchemaOrContent::Schema(schema) => {
                    match self.type_ref(schema, &hint, &format!("{parameter_pointer}/schema"))? {
                        TypeRef::Nullable(inner) => *inner,
                        ty => ty,
                    }
                }
                ParameterSchemaOrContent::Content(_) => {
                    self.warn(
                        &parameter_pointer,
                        "parameter `content` is not modelled; sent as a string",
                    );
                    TypeRef::Primitive(Primitive::String)
                }
            };
            let default = match &data.format {
                ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
                    schema.schema_data.default.as_ref().and_then(|v| {
                        self.checked_default(&ty, v, &format!("{parameter_pointer}/schema"))
                    })
                }
                _ => None,
            };
            let constraints = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => self.constraints(schema.into()),
                ParameterSchemaOrContent::Content(_) => Constraints::default(),
            };
            let required = data.required || location == ParamLocation::Path;
            if location == ParamLocation::Path && !template.has_parameter(&data.name) {
                self.warn(
                    &parameter_pointer,
                    &format!("path parameter {:?} is not in the path; ignored", data.name),
                );
                continue;
            }
            parameters.push(Parameter {
                name: data.name.clone(),
                rust_name: names.claim(&snake(&data.name)),
                location,
                required,
                ty,
                description: data.description.clone(),
                default,
                deprecated: data.deprecated.unwrap_or(false),
                constraints,
                joined_by: joined_by(parameter),
            });
        }
        for segment in &template.segments {
            if let PathSegment::Parameter(name) = segment {
                let declared = parameters
                    .iter()
                    .any(|p| p.location == ParamLocation::Path && &p.name == name);
                if !declared {
                    self.warn(
                        pointer,
                        &format!("path parameter {name:?} is not declared; taken as a string"),
                    );
                    parameters.push(Parameter {
                        name: name.clone(),
                        rust_name: names.claim(&snake(name)),
                        location: ParamLocation::Path,
                        required: true,
                        ty: TypeRef::Primitive(Primitive::String),
                        description: None,
                        default: None,
                        deprecated: false,
                        constraints: Constraints::default(),
                        joined_by: None,
                    });
                }
            }
        }
        // Path parameters in template order, so generated signatures read like the URL.
        let order = |p: &Parameter| match p.location {
            ParamLocation::Path => template
                .segments
                .iter()
                .position(|s| matches!(s, PathSegment::Parameter(n) if *n == p.name))
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        parameters.sort_by_key(|p| (p.location, order(p)));
        Ok((parameters, declares_length))
    }

    fn resolve_parameter(
        &self,
        parameter: &'a ReferenceOr<OaParameter>,
        pointer: &str,
    ) -> Result<&'a OaParameter, Error> {
        Ok(self.resolve(parameter, &refs::PARAMETERS, pointer)?.item)
    }

    fn request_body(
        &mut self,
        body: &'a ReferenceOr<OaRequestBody>,
        type_prefix: &str,
        pointer: &str,
    ) -> Result<RequestBody, Error> {
        let resolved = self.resolve(
            body,
            &refs::REQUEST_BODIES,
            &format!("{pointer}/requestBody"),
        )?;
        let form_hint = match &resolved.key {
            Some(key) => format!("{}Form", camel(self.without_suffix(key))),
            None => format!("{type_prefix}Form"),
        };
        let (body, body_pointer) = (resolved.item, resolved.pointer);
        let chosen = body
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .or_else(|| {
                body.content
                    .iter()
                    .find(|(m, _)| *m == "multipart/form-data")
            })
            .or_else(|| body.content.iter().find(|(m, _)| *m == URL_ENCODED))
            .or_else(|| body.content.first());
        let Some((media_type, media)) = chosen else {
            return Err(self.invalid(&body_pointer, "request body declares no content"));
        };
        let media_pointer = format!("{body_pointer}/content/{}", pointer_token(media_type));
        let content = if is_json(media_type) {
            RequestContent::Json {
                media_type: media_type.clone(),
                ty: self.media_type_ref(media, &format!("{type_prefix}Body"), &media_pointer)?,
            }
        } else if media_type == URL_ENCODED {
            RequestContent::UrlEncoded {
                ty: self.media_type_ref(media, &format!("{type_prefix}Body"), &media_pointer)?,
            }
        } else if media_type == "multipart/form-data" {
            RequestContent::Multipart {
                form: self.form(media, &form_hint, &media_pointer)?,
            }
        } else {
            RequestContent::Binary {
                media_type: media_type.clone(),
            }
        };
        Ok(RequestBody {
            required: body.required,
            description: body.description.clone(),
            content,
        })
    }

    /// A multipart form's fields are the builder's fields and setters too, beside the
    /// parameters' and the builder's own: a field whose Rust name one of those has is renamed
    /// (`note_2`), so that the method's arguments and the builder's setters stay distinct.
    fn keep_form_fields_apart(&mut self, form: &str, parameters: &[Parameter]) {
        let Some(TypeKind::Form(fields)) = self
            .types
            .iter_mut()
            .find(|t| t.name == form)
            .map(|t| &mut t.kind)
        else {
            return;
        };
        let mut names = Namespace::new();
        BUILDER_NAMES.iter().for_each(|n| names.reserve(n));
        parameters.iter().for_each(|p| names.reserve(&p.rust_name));
        let clashes = |f: &Field, names: &Namespace| names.contains(&f.rust_name);
        let apart: Vec<bool> = fields.iter().map(|f| !clashes(f, &names)).collect();
        for (field, apart) in fields.iter().zip(&apart) {
            if *apart {
                names.reserve(&field.rust_name);
            }
        }
        for (field, apart) in fields.iter_mut().zip(apart) {
            if !apart {
                field.rust_name = names.claim(&field.rust_name);
            }
        }
    }

    /// A named [`TypeKind::Form`] for a multipart body.
    fn form(&mut self, media: &'a MediaType, hint: &str, pointer: &str) -> Result<String, Error> {
        let schema_pointer = format!("{pointer}/schema");
        let Some(schema) = &media.schema else {
            return Err(self.invalid(pointer, "multipart body without a schema"));
        };
        let (schema, schema_pointer) = self.resolve_schema(schema, &schema_pointer)?;
        // A form shared through `components/requestBodies` is one type, not one per use.
        let existing = self
            .types
            .iter()
            .find(|t| t.origin == schema_pointer && matches!(t.kind, TypeKind::Form(_)));
        if let Some(existing) = existing {
            return Ok(existing.name.clone());
        }
        let name = self.type_names.claim(hint);
        let fields = self.object_fields(schema, &name, &schema_pointer)?;
        self.push_type(TypeDef {
            name: name.clone(),
            origin: schema_pointer,
            description: schema.schema_data.description.clone(),
            kind: TypeKind::Form(fields),
        });
        Ok(name)
    }

    fn media_type_ref(
        &mut self,
        media: &'a MediaType,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        match &media.schema {
            Some(schema) => self.type_ref(schema, hint, &format!("{pointer}/schema")),
            None => Ok(TypeRef::Primitive(Primitive::Any)),
        }
    }

    fn responses(
        &mut self,
        op: &'a OaOperation,
        type_prefix: &str,
        pointer: &str,
    ) -> Result<Vec<Response>, Error> {
        let declared = op
            .responses
            .responses
            .iter()
            .map(|(status, response)| {
                let status = match status {
                    StatusCode::Code(code) => StatusSpec::Code(*code),
                    StatusCode::Range(range) => StatusSpec::Range((*range).min(9) as u8),
                };
                (status, response)
            })
            .chain(
                op.responses
                    .default
                    .iter()
                    .map(|r| (StatusSpec::Default, r)),
            );
        let mut responses = Vec::new();
        for (status, response) in declared {
            let token = match status {
                StatusSpec::Code(c) => c.to_string(),
                StatusSpec::Range(r) => format!("{r}XX"),
                StatusSpec::Default => "default".into(),
            };
            let response_pointer = format!("{pointer}/responses/{token}");
            let response = self.resolve_response(response, &response_pointer)?;
            let mut content = Vec::new();
            // 204, 205 and 304 answers have no body (RFC 9110), whatever the document says.
            let no_content = matches!(status, StatusSpec::Code(204 | 205 | 304));
            if no_content && !response.content.is_empty() {
                self.warn(
                    &format!("{response_pointer}/content"),
                    "this status has no content; the declared content is ignored",
                );
            }
            for (media_type, media) in response.content.iter().filter(|_| !no_content) {
                let media_pointer =
                    format!("{response_pointer}/content/{}", pointer_token(media_type));
                let kind = if is_json(media_type) || is_any_with_structure(media_type, media) {
                    BodyKind::Json(self.media_type_ref(
                        media,
                        &format!("{type_prefix}Response"),
                        &media_pointer,
                    )?)
                } else {
                    BodyKind::Binary
                };
                content.push(ResponseBody {
                    media_type: media_type.clone(),
                    kind,
                });
            }
            responses.push(Response {
                status,
                description: response.description.clone(),
                content,
            });
        }
        Ok(responses)
    }

    /// `name` without the first of `x-contractfit-strip-suffix`'s suffixes it ends with (and
    /// is more than).
    fn without_suffix<'n>(&self, name: &'n str) -> &'n str {
        self.strip_suffixes
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix.as_str()))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(name)
    }

    /// What the naming rule needs to know of an operation (see `naming`).
    fn shape(&self, path: &str, op: &'a OaOperation) -> naming::Shape {
        let get_returns_array = self
            .doc
            .paths
            .paths
            .get(path)
            .and_then(ReferenceOr::as_item)
            .and_then(|item| item.get.as_ref())
            .is_some_and(|get| self.returns_array(get));
        naming::Shape {
            returns_array: self.returns_array(op),
            collection: naming::is_collection(
                path,
                self.doc.paths.paths.keys().map(String::as_str),
                get_returns_array,
            ),
        }
    }

    /// Whether `op`'s first 2xx response has a JSON body whose schema is an array.
    fn returns_array(&self, op: &'a OaOperation) -> bool {
        let success = op
            .responses
            .responses
            .iter()
            .find_map(|(status, response)| {
                matches!(status, StatusCode::Code(200..=299)).then_some(response)
            });
        let Some(Ok(response)) = success.map(|r| self.resolve_response(r, "")) else {
            return false;
        };
        response
            .content
            .iter()
            .filter(|(media_type, _)| is_json(media_type))
            .filter_map(|(_, media)| media.schema.as_ref())
            .filter_map(|schema| self.resolve_schema(schema, "").ok())
            .any(|(schema, _)| {
                matches!(
                    schema.schema_kind,
                    openapiv3::SchemaKind::Type(openapiv3::Type::Array(_))
                )
            })
    }

    fn resolve_response(
        &self,
        response: &'a ReferenceOr<OaResponse>,
        pointer: &str,
    ) -> Result<&'a OaResponse, Error> {
        Ok(self.resolve(response, &refs::RESPONSES, pointer)?.item)
    }
}

/// The fields and methods every generated builder has (see `emit/operations.rs` and
/// `emit/extensions.rs`).
const BUILDER_NAMES: &[&str] = &[
    "client",
    "body",
    "form",
    "options",
    "new",
    "send",
    "send_raw",
    "into_request",
    "send_and_wait",
    "pages",
    "items",
    "max_wait",
    "progress",
    "on_progress",
    // A waiter builder's field of verdicts not to believe, and its setter.
    "stale",
    "after",
];

/// Headers the client sets from the request itself: framing (a `Content-Length` that does not
/// match the body makes the server wait for bytes that never come), the connection, and the
/// two that OpenAPI says a header parameter cannot set (`Accept`, `Content-Type`; it says the
/// same of `Authorization`, which is kept: some documents have no other way to authenticate).
fn is_managed_header(name: &str) -> bool {
    const MANAGED: &[&str] = &[
        "accept",
        "connection",
        "content-length",
        "content-type",
        "host",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    MANAGED.contains(&name.to_ascii_lowercase().as_str())
}

/// `*/*` (or `application/*`) with a schema that describes structure (an object, an array, a
/// reference): the document means JSON without saying so (truesight declares 22 of its 23
/// answers so), and it is decoded as JSON, asked for as `application/json`. Strings stay bytes.
fn is_any_with_structure(media_type: &str, media: &openapiv3::MediaType) -> bool {
    if !crate::model::is_wildcard(media_type) {
        return false;
    }
    match &media.schema {
        None => false,
        Some(ReferenceOr::Reference { .. }) => true,
        Some(ReferenceOr::Item(schema)) => matches!(
            schema.schema_kind,
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(_) | openapiv3::Type::Array(_))
                | openapiv3::SchemaKind::AllOf { .. }
                | openapiv3::SchemaKind::OneOf { .. }
                | openapiv3::SchemaKind::AnyOf { .. }
        ),
    }
}

/// A form body written as a query string is (`a=1&b=x`), not a multipart one.
const URL_ENCODED: &str = "application/x-www-form-urlencoded";

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// How a query parameter's array is written, when not as the name repeated.
fn joined_by(parameter: &OaParameter) -> Option<String> {
    let OaParameter::Query {
        style,
        parameter_data,
        ..
    } = parameter
    else {
        return None;
    };
    // `form` explodes unless told not to; the delimited styles are joined unless told to
    // explode (then they are `form`'s repeated names).
    let separator = match (style, parameter_data.explode) {
        (QueryStyle::Form, Some(false)) => ",",
        (QueryStyle::SpaceDelimited, None | Some(false)) => " ",
        (QueryStyle::PipeDelimited, None | Some(false)) => "|",
        _ => return None,
    };
    Some(separator.to_owned())
}

fn location_of(parameter: &OaParameter) -> ParamLocation {
    match parameter {
        OaParameter::Query { .. } => ParamLocation::Query,
        OaParameter::Header { .. } => ParamLocation::Header,
        OaParameter::Path { .. } => ParamLocation::Path,
        OaParameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

fn parse_method(method: &str) -> Method {
    match method {
        "get" => Method::Get,
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "options" => Method::Options,
        "head" => Method::Head,
        "patch" => Method::Patch,
        _ => Method::Trace,
    }
}

/// `GET /data_retention_settings/{level}/{id}` → `get_data_retention_settings_by_level_by_id`.
fn derived_name(method: Method, path: &str) -> String {
    let mut name = method.as_str().to_ascii_lowercase();
    for segment in parse_path(path).segments {
        let words: Vec<String> = match segment {
            PathSegment::Literal(literal) => literal
                .split('/')
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .map(snake)
                .collect(),
            PathSegment::Parameter(parameter) => vec![format!("by_{}", snake(&parameter))],
        };
        for word in words {
            name.push('_');
            name.push_str(&word);
        }
    }
    name
}

/// Splits a path template into literal text and `{parameter}` segments.
pub(crate) fn parse_path(path: &str) -> PathTemplate {
    let mut segments = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            segments.push(PathSegment::Literal(rest[..open].to_owned()));
        }
        segments.push(PathSegment::Parameter(
            rest[open + 1..open + close].to_owned(),
        ));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        segments.push(PathSegment::Literal(rest.to_owned()));
    }
    PathTemplate {
        template: path.to_owned(),
        segments,
    }
}

impl PathTemplate {
    fn has_parameter(&self, name: &str) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, PathSegment::Parameter(n) if n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_literals_and_parameters() {
        let t = parse_path("/documents/{document_id}/page/{page_range}");
        assert_eq!(
            t.segments,
            vec![
                PathSegment::Literal("/documents/".into()),
                PathSegment::Parameter("document_id".into()),
                PathSegment::Literal("/page/".into()),
                PathSegment::Parameter("page_range".into()),
            ]
        );
        assert_eq!(parse_path("/a/{unclosed").segments.len(), 1);
    }

    #[test]
    fn names_derive_from_method_and_path() {
        assert_eq!(
            derived_name(Method::Get, "/data_retention_settings/{level}/{id}"),
            "get_data_retention_settings_by_level_by_id"
        );
    }
}
