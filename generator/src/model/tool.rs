//! The command-line tool's layout: which commands exist, what they are called, and which
//! flags they take. Decided in build (`build/tool.rs`) from the rest of the model; plain data,
//! so the naming rules can be tested without emitting anything; `emit/cli.rs` writes it out as
//! the table `contractfit-cli` interprets.

/// Flags every command has (the tool's output options) and clap's own: operation flags
/// keep clear of them. Kept in step with `cli/src/command.rs`; a test builds the
/// generated tool with clap's consistency checks.
pub const RESERVED_FLAGS: &[&str] = &[
    "dry-run", "pretty", "compact", "output", "body", "help", "version",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub groups: Vec<Group>,
    pub upload: Option<Upload>,
    pub waits: Vec<Wait>,
}

impl Layout {
    /// The command of the operation with this Rust name.
    pub fn command_of(&self, operation: &str) -> Option<&Command> {
        command_of(&self.groups, operation)
    }
}

/// The command of the operation with this Rust name among `groups`.
pub fn command_of<'a>(groups: &'a [Group], operation: &str) -> Option<&'a Command> {
    groups
        .iter()
        .flat_map(|g| &g.commands)
        .find(|c| c.operation == operation)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub about: String,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    /// The operation's Rust name.
    pub operation: String,
    pub about: String,
    pub long_about: String,
    pub path: Vec<PathPart>,
    pub args: Vec<Arg>,
    pub body: Body,
    pub reply: Reply,
    pub pages: Option<Pages>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    /// An argument's name.
    Arg(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arg {
    pub name: String,
    pub wire: String,
    pub place: Place,
    pub required: bool,
    pub many: bool,
    /// A query array's values go as one, joined by this (see `Parameter::joined_by`).
    pub joined_by: Option<String>,
    pub value: ValueKind,
    pub help: String,
    pub default: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Path,
    Query,
    Header,
    Cookie,
    BodyField,
    FormText,
    FormFile,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueKind {
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    Date,
    Enum(Vec<String>),
    Json,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    None,
    Json {
        media_type: String,
        required: bool,
        fields: bool,
    },
    Multipart,
    Bytes {
        media_type: String,
        required: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Json,
    Binary { accept: String },
    Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pages {
    pub command: String,
    pub page_arg: String,
    pub size_arg: Option<String>,
    pub first_page: i64,
    pub items: String,
    pub total: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The upload operation's Rust name (its command is in one of the groups).
    pub operation: String,
    pub file_arg: String,
    pub set_when_waiting: Vec<(String, bool)>,
    pub id_pointer: String,
    /// Index into [`Layout::waits`].
    pub wait: usize,
    /// How a batch looks for an upload whose answer was lost, when the API can list them.
    pub find: Option<Find>,
}

/// The listing an upload shows in (see [`crate::model::FindUpload`]), as commands and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Find {
    /// The listing operation's Rust name (its command is in one of the groups).
    pub operation: String,
    /// The flag of its date-time parameter.
    pub since_arg: String,
    pub name_pointer: String,
    pub id_pointer: String,
    /// The operation that streams a document's content (see
    /// [`crate::model::FindUpload::content`]), with the argument that takes the id.
    pub content: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub name: String,
    pub about: String,
    /// The waiter's name and the polled operation's Rust name.
    pub waiter: String,
    pub operation: String,
    pub id_arg: String,
}
