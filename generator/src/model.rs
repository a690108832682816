//! The intermediate model of an API: what the generator knows once the document is read.
//!
//! Nothing here depends on `openapiv3` (the input side) or on `quote` (the output side), so
//! the builder and the emitter can each be tested alone. Every name in the model is already a
//! valid, unique Rust identifier: the builder decides names once, deterministically, and the
//! emitter never invents one.

pub mod tool;

use std::collections::BTreeMap;

use serde_json::Value;

/// The whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    pub security_schemes: Vec<SecurityScheme>,
    /// The tags the document describes, in its order (operations may use others).
    pub tags: Vec<Tag>,
    /// In document order (paths, then methods in the order the document gives them).
    pub operations: Vec<Operation>,
    /// Every named type, component schemas and inline schemas alike, sorted by name.
    pub types: Vec<TypeDef>,
    /// The command-line tool's commands and flags.
    pub tool: tool::Layout,
    /// The names of the requests the server makes (OpenAPI 3.1's `webhooks`): no code is
    /// generated for them; the README lists them.
    pub webhooks: Vec<String>,
    /// For a crate of some operations ([`Config::only`](crate::Config::only)), how much the
    /// whole document has; `None` for the whole.
    pub part_of: Option<Whole>,
}

/// The size of the whole document a selection was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole {
    pub operations: usize,
    pub types: usize,
}

impl Api {
    /// Looks a named type up by its Rust name.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.types[i])
    }

    /// `ty` with aliases followed to what they name (a bounded number of them: a document
    /// can make aliases a cycle).
    pub fn resolve<'a>(&'a self, ty: &'a TypeRef) -> &'a TypeRef {
        resolve_aliases(&self.types, ty)
    }

    /// For each named type, the operations that return it and those that take it (as a body,
    /// a form, or a parameter), and the types with a field of it, directly or in a list or map,
    /// by their Rust names in document order: what a type's documentation points to.
    pub fn uses(&self) -> BTreeMap<&str, Uses<'_>> {
        let mut uses: BTreeMap<&str, Uses<'_>> = BTreeMap::new();
        for op in &self.operations {
            if let SuccessBody::Json(ty) = op.success_body() {
                if let Some(name) = ty.named().and_then(|n| self.type_def(n)) {
                    uses.entry(&name.name)
                        .or_default()
                        .returned_by
                        .push(&op.name);
                }
            }
            let mut taken: Vec<&str> = op.parameters.iter().filter_map(|p| p.ty.named()).collect();
            match op.request_body.as_ref().map(|b| &b.content) {
                Some(RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty }) => {
                    taken.extend(ty.named())
                }
                Some(RequestContent::Multipart { form }) => taken.push(form),
                _ => {}
            }
            taken.dedup();
            for name in taken {
                if let Some(def) = self.type_def(name) {
                    uses.entry(&def.name).or_default().taken_by.push(&op.name);
                }
            }
        }
        for holder in &self.types {
            let fields = match &holder.kind {
                TypeKind::Struct(s) => &s.fields,
                TypeKind::Form(fields) => fields,
                TypeKind::Alias(target) => {
                    if let Some(def) = target.named().and_then(|n| self.type_def(n)) {
                        uses.entry(&def.name)
                            .or_default()
                            .held_by
                            .push((&holder.name, ""));
                    }
                    continue;
                }
                _ => continue,
            };
            for field in fields {
                if let Some(def) = field.ty.named().and_then(|n| self.type_def(n)) {
                    let held = &mut uses.entry(&def.name).or_default().held_by;
                    held.push((&holder.name, &field.rust_name));
                }
            }
        }
        uses
    }

    /// The fields of the multipart form type `name` (none if it is not one).
    pub fn form_fields(&self, name: &str) -> &[Field] {
        match self.type_def(name).map(|def| &def.kind) {
            Some(TypeKind::Form(fields)) => fields,
            _ => &[],
        }
    }

    /// The uploads a batch can be made of (a generated crate's `batch` module): an
    /// upload-and-wait whose required arguments include exactly one file, where the batch's
    /// files go; its other required arguments are the batch's own.
    pub fn batch_uploads(&self) -> impl Iterator<Item = (&Operation, &UploadWait)> {
        self.operations.iter().filter_map(|op| {
            let upload = op.upload_wait.as_ref()?;
            let files = op.arguments.iter().filter(|a| a.is_file()).count();
            (files == 1).then_some((op, upload))
        })
    }
}

impl Argument {
    /// A file of the multipart form (what a batch's files are).
    pub fn is_file(&self) -> bool {
        self.goes == Goes::FormField && self.ty == TypeRef::Primitive(Primitive::File)
    }
}

/// A tag that groups operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub description: Option<String>,
}

/// A server the API is reachable at, with variables already substituted by their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// An absolute URL (`https://…`); scheme-relative URLs are resolved to `https`.
    pub url: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The key under `components/securitySchemes`, as the document spells it.
    pub key: String,
    pub kind: SecuritySchemeKind,
    pub description: Option<String>,
    /// How to obtain a token for this scheme by logging in (extension `x-contractfit-login`).
    pub login: Option<Login>,
}

/// A login operation that exchanges a username and password for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub method: Method,
    pub path: String,
    pub username_field: String,
    pub password_field: String,
    /// JSON pointer to the token in the login reply.
    pub token_pointer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecuritySchemeKind {
    HttpBasic,
    HttpBearer,
    ApiKey {
        location: ApiKeyLocation,
        name: String,
    },
    /// OAuth 2 or OpenID Connect (`flow` names which): the client does not run the
    /// authorisation flow; the caller's access token (`Credentials::token`) is sent as
    /// `Authorization: Bearer`, which is what those schemes ask of a request.
    AccessToken {
        flow: String,
    },
    /// A scheme the runtime has no mechanism for (HTTP schemes other than Basic and Bearer).
    /// Kept so that requirements naming it stay visible.
    Unsupported {
        kind: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// One alternative of an operation's security: every scheme listed must be satisfied.
/// An empty requirement means the operation may be called without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityRequirement {
    pub schemes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Idempotent in the sense of RFC 9110 §9.2.2: safe to send twice.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The Rust method name (snake case, unique in the API).
    pub name: String,
    /// Its builder's name in the generated `builders` module (`UploadDocument`), unique there.
    pub builder: String,
    /// The stub's record of one call in `testing` (`UploadDocumentCall`), and of the call's
    /// multipart form (`UploadDocumentCallForm`), each unique there.
    pub call: String,
    pub call_form: String,
    /// What the client method takes, in order: the one signature every output reads (the
    /// client, the tool, the stubs, the examples, the change report).
    pub arguments: Vec<Argument>,
    /// The document's `operationId`, if it gave one.
    pub operation_id: Option<String>,
    pub method: Method,
    pub path: PathTemplate,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Alternatives: any one of them satisfies the operation. Already resolved against the
    /// document-wide default.
    pub security: Vec<SecurityRequirement>,
    /// Waiters that poll this operation (extension `x-contractfit-waiters`).
    pub waiters: Vec<Waiter>,
    /// How to walk this operation's pages (extension `x-contractfit-paginator`).
    pub paginator: Option<Paginator>,
    /// An upload that can wait for its result (extension `x-contractfit-upload-wait`).
    pub upload_wait: Option<UploadWait>,
    /// A call whose effect can be waited for (extension `x-contractfit-then-wait`).
    pub then_wait: Option<ThenWait>,
    /// The document requires a `Content-Length` header (PeerTube's resumable uploads): it is
    /// sent, `0`, even when the request has no body.
    pub declares_length: bool,
}

/// An argument of an operation's client method.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The parameter's or form field's name on the wire; `body` for a body.
    pub name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub goes: Goes,
}

/// Where an argument's value goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goes {
    /// A required parameter (`Operation::parameters[index]`).
    Parameter(usize),
    /// The whole JSON or URL-encoded body.
    Body,
    /// The whole body as bytes (`ty` is `Primitive::File`).
    Bytes,
    /// A required field of the multipart form.
    FormField,
}

/// Polling an operation until its result reaches a state.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiter {
    /// Snake case, from the key the overlay gives it (`key`, which names its place).
    pub name: String,
    pub key: String,
    /// The client method (`wait_until_<name>`) and its builder in `builders`.
    pub method: String,
    pub builder: String,
    pub description: Option<String>,
    pub min_delay_ms: u64,
    pub max_delay_ms: u64,
    pub acceptors: Vec<Acceptor>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Acceptor {
    pub state: AcceptorState,
    pub matcher: Matcher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptorState {
    Success,
    Failure,
    Retry,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    Status(u16),
    /// Every condition holds for the JSON body.
    Json(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub pointer: String,
    pub comparator: Comparator,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Comparator {
    Exists,
    Missing,
    /// A boolean, integer or string.
    Equals(Value),
    NotEquals(Value),
}

/// Page-number pagination.
#[derive(Debug, Clone, PartialEq)]
pub struct Paginator {
    /// Rust names of the page-number and page-size parameters.
    pub page_parameter: String,
    pub size_parameter: Option<String>,
    /// The page to start from when the caller sets none (the parameter's default, or 1).
    pub first_page: i64,
    /// Rust field of the page type holding the items, and the items' type.
    pub items_field: String,
    pub item_type: TypeRef,
    /// Rust field holding the total number of items, if the page has one.
    pub total_field: Option<String>,
}

/// Where a type is used (see [`Api::uses`]).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Uses<'a> {
    pub returned_by: Vec<&'a str>,
    pub taken_by: Vec<&'a str>,
    /// The types with a field of it, and the fields' Rust names (none for an alias of it).
    pub held_by: Vec<(&'a str, &'a str)>,
}

/// Upload, then wait: the upload is sent with some form fields forced (`sync = false`), the new
/// resource's id is read from the reply, and a waiter of another operation polls it.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadWait {
    /// Rust field names of boolean form fields and the values they are forced to.
    pub set: Vec<(String, bool)>,
    /// JSON pointer to the id in the upload's reply.
    pub id_pointer: String,
    /// The polled operation's Rust name and the waiter's name.
    pub operation: String,
    pub waiter: String,
    /// How to look for an upload whose answer was lost, if the API can list them.
    pub find: Option<FindUpload>,
    /// The `Client` method that starts a batch of these uploads (`upload_document_batch`),
    /// and the batch's type in the generated `batch` module (`UploadDocumentBatch`).
    pub batch_method: String,
    pub batch: String,
}

/// The name of the catch-all variant that keeps enum values this client does not know.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// The name of the field that keeps an object's properties beyond its declared ones.
pub const ADDITIONAL_FIELD: &str = "additional_properties";

/// The names the generated `batch` module re-exports from `contractfit-batch`.
pub const BATCH_EXPORTS: &[&str] = &[
    "Batch",
    "BatchError",
    "Counts",
    "Entry",
    "Event",
    "Failure",
    "FailureKind",
    "Journal",
    "JournalError",
    "Source",
    "State",
    "Summary",
    "Uploads",
];

/// The names the generated `testing` module defines or re-exports besides the `…Call` types.
pub const TESTING_NAMES: &[&str] = &["Mock", "Call", "NotJson", "Stub"];

/// Where an upload shows after it arrived: a paginated listing, taking the upload's own path
/// parameters, of the documents received since a date-time. A batch reads it to learn whether
/// an upload it cannot vouch for (its process was killed, its connection dropped) reached the
/// server, before it sends the file again.
#[derive(Debug, Clone, PartialEq)]
pub struct FindUpload {
    /// The listing's Rust name (it has a paginator).
    pub operation: String,
    /// The Rust name of its date-time parameter that keeps documents received since then.
    pub since: String,
    /// JSON pointers, in each listed item, to the name the file was uploaded under and to
    /// the document's id.
    pub name_pointer: String,
    pub id_pointer: String,
    /// The Rust name of an operation that streams a document's content given its id (its one
    /// required parameter), so that a document found by name is taken for an upload only if
    /// its content is the file's.
    pub content: Option<String>,
}

/// Send, then wait for the effect: a waiter of another operation polls it, given this
/// operation's parameters of the same names, and believes a verdict only once the value at
/// `changed` differs from what it was before the call and in the call's reply (a reprocessed
/// document still carries its previous result until the new one is ready).
#[derive(Debug, Clone, PartialEq)]
pub struct ThenWait {
    /// The polled operation's Rust name and the waiter's name.
    pub operation: String,
    pub waiter: String,
    /// JSON pointer to what marks a new result (`/timings/done_time`).
    pub changed: String,
}

/// Whether a media type is a wildcard (`*/*`, `application/*`, parameters aside): over a
/// schema that describes structure the builder reads it as JSON, and calls ask for JSON.
pub fn is_wildcard(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "*/*" || essence == "application/*"
}

impl Operation {
    pub fn parameters_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// What a call that decodes JSON accepts: the JSON media types its successful answers are
    /// declared in (`application/json`, `application/sarif+json`, …), in document order; a
    /// wildcard the builder read as JSON is asked for as `application/json`.
    pub fn json_accept(&self) -> String {
        let mut types: Vec<&str> = Vec::new();
        for body in self
            .responses
            .iter()
            .filter(|r| r.status.is_success())
            .flat_map(|r| &r.content)
            .filter(|b| matches!(b.kind, BodyKind::Json(_)))
        {
            let media_type = if is_wildcard(&body.media_type) {
                "application/json"
            } else {
                body.media_type.as_str()
            };
            if !types.contains(&media_type) {
                types.push(media_type);
            }
        }
        if types.is_empty() {
            "application/json".into()
        } else {
            types.join(", ")
        }
    }

    /// What a successful call gives back, decided from every 2xx response together.
    pub fn success_body(&self) -> SuccessBody {
        let successes: Vec<&Response> = self
            .responses
            .iter()
            .filter(|r| r.status.is_success())
            .collect();
        let bodies: Vec<&ResponseBody> = successes.iter().flat_map(|r| &r.content).collect();
        if bodies.iter().any(|b| b.kind == BodyKind::Binary) {
            let mut types: Vec<String> = bodies.iter().map(|b| b.media_type.clone()).collect();
            types.dedup();
            return SuccessBody::Binary {
                accept: types.join(", "),
            };
        }
        let every_success_has_json = !successes.is_empty()
            && successes.iter().all(|r| {
                r.content
                    .iter()
                    .any(|b| matches!(b.kind, BodyKind::Json(_)))
            });
        if every_success_has_json {
            let mut json_types = bodies.iter().filter_map(|b| match &b.kind {
                BodyKind::Json(t) => Some(t),
                _ => None,
            });
            let first = json_types.next().cloned();
            if let Some(first) = first {
                if json_types.all(|t| *t == first) {
                    return SuccessBody::Json(first);
                }
            }
        }
        SuccessBody::Raw
    }
}

/// The shape of a successful result.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessBody {
    /// Every 2xx response is JSON of this one type.
    Json(TypeRef),
    /// At least one 2xx response is a file; `accept` lists the media types the document gives.
    Binary { accept: String },
    /// The document does not say (no schema, no 2xx, or several types): the caller gets the
    /// raw body and may parse it.
    Raw,
}

/// A path such as `/documents/{document_id}/page/{page_range}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub template: String,
    pub segments: Vec<PathSegment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Literal(String),
    /// The wire name of a path parameter.
    Parameter(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The name on the wire.
    pub name: String,
    /// The Rust identifier (unique within the operation).
    pub rust_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// The document's default, only when it is valid for `ty`.
    pub default: Option<Value>,
    pub deprecated: bool,
    /// What the document says of the value beyond its type, for its documentation.
    pub constraints: Constraints,
    /// How a query array is written: `None` is the name repeated (`form`, exploded, 3.0's
    /// default); else one value, the items joined by this (`,` for `explode: false` and
    /// Swagger 2.0's `csv`, ` ` for `spaceDelimited`, `|` for `pipeDelimited`).
    pub joined_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub description: Option<String>,
    pub content: RequestContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RequestContent {
    Json {
        media_type: String,
        ty: TypeRef,
    },
    /// `application/x-www-form-urlencoded`: a value of `ty` (an object), each member a field
    /// written as a parameter is.
    UrlEncoded {
        ty: TypeRef,
    },
    /// `multipart/form-data`; `form` names a [`TypeKind::Form`] type.
    Multipart {
        form: String,
    },
    /// Any other media type: the caller supplies bytes.
    Binary {
        media_type: String,
    },
}

impl RequestContent {
    /// The media type the body is sent as.
    pub fn media_type(&self) -> &str {
        match self {
            RequestContent::Json { media_type, .. } | RequestContent::Binary { media_type } => {
                media_type
            }
            RequestContent::UrlEncoded { .. } => "application/x-www-form-urlencoded",
            RequestContent::Multipart { .. } => "multipart/form-data",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: StatusSpec,
    pub description: String,
    pub content: Vec<ResponseBody>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusSpec {
    Code(u16),
    /// `2XX` and the like: the leading digit.
    Range(u8),
    Default,
}

impl StatusSpec {
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(c) => (200..300).contains(&c),
            StatusSpec::Range(r) => r == 2,
            StatusSpec::Default => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseBody {
    pub media_type: String,
    pub kind: BodyKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    Json(TypeRef),
    /// Bytes the client does not interpret (images, zips, CSS, PDFs, …).
    Binary,
}

/// A reference to a type: a named one, or a structural one built from named ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Named(String),
    Primitive(Primitive),
    Array(Box<TypeRef>),
    /// A JSON object with arbitrary keys and values of one type.
    Map(Box<TypeRef>),
    /// The value or `null` (`nullable: true` on an array's items, a map's values, a body, an
    /// alias; a struct field's own nullability is `Field::nullable`).
    Nullable(Box<TypeRef>),
}

impl TypeRef {
    /// The named type this refers to, through lists, maps and nullability.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => inner.named(),
            TypeRef::Primitive(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    String,
    Integer,
    Integer32,
    Number,
    Boolean,
    /// `format: date-time`.
    DateTime,
    /// `format: date`.
    Date,
    /// `format: binary`: a file, only meaningful in multipart forms.
    File,
    /// Any JSON value (a schema without a type).
    Any,
    /// A JSON object with no declared properties.
    Object,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name (upper camel case, unique).
    pub name: String,
    /// JSON pointer to the schema in the (overlaid) document it came from.
    pub origin: String,
    pub description: Option<String>,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum; unknown values are kept, not rejected.
    Enum(Vec<EnumVariant>),
    /// A name for another type (`type X = Vec<Y>`).
    Alias(TypeRef),
    /// The fields of a `multipart/form-data` body.
    Form(Vec<Field>),
    /// `oneOf` / `anyOf`: a value of one of several types.
    Union(Union),
}

/// The alternatives of a `oneOf` or `anyOf`, in document order. A value that fits none is kept
/// as JSON, not rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// The property whose value says which variant a value is (`discriminator`), when the
    /// document gives one; otherwise the first variant a value fits is taken.
    pub discriminator: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// The discriminator values that select this variant (the `mapping` keys that name it, or
    /// else the name of the schema it refers to).
    pub tags: Vec<String>,
    /// The variant's type leads back to the union: boxed, for a finite size.
    pub boxed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// The values of properties beyond the declared ones, which are kept (so that a value read
    /// and sent back loses nothing): `additionalProperties`' schema, or any JSON.
    pub additional: TypeRef,
    /// When two of the fields a value must have share a type, `new` takes them by name, in a
    /// struct of this name: as positional arguments they could be swapped and still compile
    /// (`AuthModel::new(password, username)` called with the username first).
    pub named_new: Option<String>,
}

impl Struct {
    /// The fields a value must have, in order: `new`'s arguments.
    pub fn must_have(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.must_have())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// The field's type reaches back to the struct that holds it without going through a
    /// collection, so it must be boxed to have a finite size.
    pub boxed: bool,
    pub description: Option<String>,
    pub default: Option<Value>,
    /// What the document says of the value beyond its type, for its documentation.
    pub constraints: Constraints,
}

impl Field {
    /// A value must have it: required, and not `null` (not an `Option`).
    pub fn must_have(&self) -> bool {
        self.required && !self.nullable
    }
}

/// What a schema says of a value beyond its type: its format, bounds, pattern and an example.
/// The generated code documents these; it does not check them (the server does).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    pub format: Option<String>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub example: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumVariant {
    pub value: String,
    pub rust_name: String,
}

/// `ty` with aliases followed through `types` to what they name (a bounded number of them: a
/// document can make aliases a cycle).
pub fn resolve_aliases<'a>(types: &'a [TypeDef], ty: &'a TypeRef) -> &'a TypeRef {
    let mut ty = ty;
    for _ in 0..32 {
        match ty {
            TypeRef::Named(name) => match types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
                Some(TypeKind::Alias(target)) => ty = target,
                _ => break,
            },
            _ => break,
        }
    }
    ty
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The builder (which reads a wildcard over structure as JSON) and `json_accept` (which
    /// then asks for JSON) agree on what a wildcard is, parameters included.
    #[test]
    fn wildcards_are_known_by_their_essence() {
        for wildcard in [
            "*/*",
            "application/*",
            "*/*; charset=utf-8",
            " application/* ;q=1",
        ] {
            assert!(is_wildcard(wildcard), "{wildcard}");
        }
        for concrete in ["application/json", "text/*x", "application/sarif+json"] {
            assert!(!is_wildcard(concrete), "{concrete}");
        }
    }
}
