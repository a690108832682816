//! The command-line tool's [layout](crate::model::tool) as the static table that `contractfit-cli`
//! interprets (`src/cli.rs` of the generated crate, behind its `cli` feature), and the
//! binary that runs it.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

use super::signature::builder_name;
use super::types::ident;
use super::Part;
use crate::model::tool::{Arg, Body, Command, Layout, PathPart, Place, Reply, ValueKind};
use crate::model::Api;

/// The parts of `src/cli.rs`: the entry points and the app, the arguments several commands
/// share, then one static per command.
pub fn cli_module<'a>(api: &'a Api, layout: &'a Layout, bin: &'a str) -> Vec<Part<'a>> {
    let shared = std::sync::Arc::new(SharedArgs::of(layout));
    let mut parts: Vec<Part<'a>> = vec![Box::new(move || app(api, layout, bin))];
    let consts = shared.clone();
    parts.push(Box::new(move || consts.definitions()));
    for group in &layout.groups {
        for command in &group.commands {
            let shared = shared.clone();
            parts.push(Box::new(move || command_static(api, command, &shared)));
        }
    }
    parts
}

/// The arguments that more than one command takes, each defined once as a constant that the
/// commands name. A large API repeats a dozen of them in every operation (Google's `fields`,
/// `quotaUser`, `prettyPrint`, …): written out in each command, they were most of the file.
struct SharedArgs<'a> {
    /// In the order they first appear, with their constants' names.
    /// (Names, not idents: tokens cannot cross threads, and parts are made on the formatter's.)
    args: Vec<(&'a Arg, String)>,
    index: std::collections::HashMap<&'a Arg, usize>,
}

impl<'a> SharedArgs<'a> {
    fn of(layout: &'a Layout) -> Self {
        let mut counts: std::collections::HashMap<&Arg, usize> = Default::default();
        let mut order = Vec::new();
        let all = layout
            .groups
            .iter()
            .flat_map(|g| &g.commands)
            .flat_map(|c| &c.args);
        for arg in all {
            let count = counts.entry(arg).or_insert(0);
            if *count == 0 {
                order.push(arg);
            }
            *count += 1;
        }
        let mut taken = std::collections::HashSet::new();
        let mut shared = SharedArgs {
            args: Vec::new(),
            index: Default::default(),
        };
        for arg in order.into_iter().filter(|arg| counts[arg] > 1) {
            let base = format!("ARG_{}", arg.name.to_shouty_snake_case());
            let name = (1..)
                .map(|n| match n {
                    1 => base.clone(),
                    n => format!("{base}_{n}"),
                })
                .find(|name| taken.insert(name.clone()))
                .expect("some suffix is free");
            shared.index.insert(arg, shared.args.len());
            shared.args.push((arg, name));
        }
        shared
    }

    fn definitions(&self) -> TokenStream {
        let definitions = self.args.iter().map(|(arg, name)| {
            let (name, value) = (ident(name), arg_value(arg));
            quote!(const #name: table::Arg = #value;)
        });
        quote!(#(#definitions)*)
    }

    /// The argument as a command's table names it: its constant, or written out.
    fn name_or_value(&self, arg: &Arg) -> TokenStream {
        match self.index.get(arg) {
            Some(&i) => {
                let name = ident(&self.args[i].1);
                quote!(#name)
            }
            None => arg_value(arg),
        }
    }
}

/// `src/bin/<bin>.rs`.
pub fn binary(krate: &str) -> TokenStream {
    let krate = ident(&krate.replace('-', "_"));
    let doc = " The command-line tool (see the crate's `cli` module), built with `--features cli`.";
    quote! {
        #![doc = #doc]

        fn main() -> ::std::process::ExitCode {
            #krate::cli::main()
        }
    }
}

fn command_ident(operation: &str) -> proc_macro2::Ident {
    ident(&format!("COMMAND_{}", operation.to_shouty_snake_case()))
}

fn app(api: &Api, layout: &Layout, bin: &str) -> TokenStream {
    let about = format!(
        "Command-line client for the {} (API {})",
        api.title, api.version
    );
    let env_prefix = bin.to_shouty_snake_case();
    let groups = layout.groups.iter().map(|group| {
        let (name, about) = (&group.name, &group.about);
        let commands = group.commands.iter().map(|c| command_ident(&c.operation));
        quote! {
            table::Group { name: #name, about: #about, commands: &[#(&#commands),*] }
        }
    });
    let wait_idents: Vec<_> = (0..layout.waits.len())
        .map(|i| ident(&format!("WAIT_{i}")))
        .collect();
    let waits = layout.waits.iter().zip(&wait_idents).map(|(wait, name)| {
        let (command, about, id_arg) = (&wait.name, &wait.about, &wait.id_arg);
        let waiter = api
            .operations
            .iter()
            .flat_map(|op| &op.waiters)
            .find(|w| w.name == wait.waiter)
            .map(|w| ident(&w.builder));
        let poll = command_ident(&wait.operation);
        quote! {
            static #name: table::Wait = table::Wait {
                name: #command,
                about: #about,
                waiter: &crate::builders::#waiter::WAITER,
                poll: &#poll,
                id_arg: #id_arg,
            };
        }
    });
    let upload = match &layout.upload {
        Some(upload) => {
            let command = command_ident(&upload.operation);
            let (file_arg, id_pointer) = (&upload.file_arg, &upload.id_pointer);
            let set = upload
                .set_when_waiting
                .iter()
                .map(|(field, value)| quote!((#field, #value)));
            let wait = &wait_idents[upload.wait];
            let find = match &upload.find {
                Some(find) => {
                    let listing = command_ident(&find.operation);
                    let (since_arg, name, id) =
                        (&find.since_arg, &find.name_pointer, &find.id_pointer);
                    let content = match &find.content {
                        Some((operation, id_arg)) => {
                            let command = command_ident(operation);
                            quote!(::std::option::Option::Some((&#command, #id_arg)))
                        }
                        None => quote!(::std::option::Option::None),
                    };
                    quote! {
                        ::std::option::Option::Some(&table::Find {
                            command: &#listing,
                            since_arg: #since_arg,
                            name_pointer: #name,
                            id_pointer: #id,
                            content: #content,
                        })
                    }
                }
                None => quote!(::std::option::Option::None),
            };
            quote! {
                ::std::option::Option::Some(&table::Upload {
                    command: &#command,
                    file_arg: #file_arg,
                    set_when_waiting: &[#(#set),*],
                    id_pointer: #id_pointer,
                    wait: &#wait,
                    find: #find,
                })
            }
        }
        None => quote!(::std::option::Option::None),
    };
    let doc = format!(
        "The `{bin}` command-line tool: one command per operation, grouped by tag, and \
         workflows (upload, wait, list) built on the client's waiters and paginators.\n\n\
         Credentials and the base URL come from flags or from `{env_prefix}_BASE_URL`, \
         `{env_prefix}_USERNAME`/`{env_prefix}_PASSWORD`, `{env_prefix}_TOKEN` and \
         `{env_prefix}_API_KEY`. Run `{bin} --help` for the commands and the exit codes."
    );
    // One attribute a line, printed as `//!` comments.
    let doc = doc.lines().map(|line| match line {
        "" => String::new(),
        line => format!(" {line}"),
    });
    quote! {
        #(#![doc = #doc])*

        use ::contractfit_cli as table;

        /// Runs the tool with the process's arguments; the exit code is documented in `--help`.
        pub fn main() -> ::std::process::ExitCode {
            ::contractfit_cli::main(&APP)
        }

        /// The tool's command tree (for completions, man pages, or checking it).
        pub fn command() -> ::contractfit_cli::clap::Command {
            ::contractfit_cli::command(&APP)
        }

        /// The table `contractfit-cli` interprets.
        pub static APP: table::App = table::App {
            name: #bin,
            version: ::std::env!("CARGO_PKG_VERSION"),
            about: #about,
            env_prefix: #env_prefix,
            default_base_url: crate::DEFAULT_BASE_URL,
            schemes: crate::SECURITY_SCHEMES,
            groups: &[#(#groups),*],
            upload: #upload,
            waits: &[#(&#wait_idents),*],
        };

        #(#waits)*
    }
}

fn command_static(api: &Api, command: &Command, shared: &SharedArgs<'_>) -> TokenStream {
    let name = command_ident(&command.operation);
    let operation = api
        .operations
        .iter()
        .find(|op| op.name == command.operation)
        .map(builder_name);
    let (command_name, about, long_about) = (&command.name, &command.about, &command.long_about);
    let path = command.path.iter().map(|part| match part {
        PathPart::Literal(text) => quote!(table::PathPart::Literal(#text)),
        PathPart::Arg(arg) => quote!(table::PathPart::Arg(#arg)),
    });
    let args = command.args.iter().map(|arg| shared.name_or_value(arg));
    let body = match &command.body {
        Body::None => quote!(table::Body::None),
        Body::Json {
            media_type,
            required,
            fields,
        } => {
            quote!(table::Body::Json { media_type: #media_type, required: #required, fields: #fields })
        }
        Body::Multipart => quote!(table::Body::Multipart),
        Body::Bytes {
            media_type,
            required,
        } => quote!(table::Body::Bytes { media_type: #media_type, required: #required }),
    };
    let reply = match &command.reply {
        Reply::Json => quote!(table::Reply::Json),
        Reply::Binary { accept } => quote!(table::Reply::Binary { accept: #accept }),
        Reply::Raw => quote!(table::Reply::Raw),
    };
    let pages = match &command.pages {
        Some(pages) => {
            let (list, page_arg, first_page, items) = (
                &pages.command,
                &pages.page_arg,
                pages.first_page,
                &pages.items,
            );
            let size_arg = option(pages.size_arg.as_deref());
            let total = option(pages.total.as_deref());
            quote! {
                ::std::option::Option::Some(table::Pages {
                    command: #list,
                    page_arg: #page_arg,
                    size_arg: #size_arg,
                    first_page: #first_page,
                    items: #items,
                    total: #total,
                })
            }
        }
        None => quote!(::std::option::Option::None),
    };
    quote! {
        static #name: table::Command = table::Command {
            name: #command_name,
            operation: &crate::builders::#operation::OPERATION,
            about: #about,
            long_about: #long_about,
            path: &[#(#path),*],
            args: &[#(#args),*],
            body: #body,
            reply: #reply,
            pages: #pages,
        };
    }
}

/// One argument, as `Arg::new(…)` with only the settings that differ from the usual.
fn arg_value(arg: &Arg) -> TokenStream {
    let (name, wire) = (&arg.name, &arg.wire);
    let place = ident(match arg.place {
        Place::Path => "Path",
        Place::Query => "Query",
        Place::Header => "Header",
        Place::Cookie => "Cookie",
        Place::BodyField => "BodyField",
        Place::FormText => "FormText",
        Place::FormFile => "FormFile",
    });
    let value = match &arg.value {
        ValueKind::Enum(values) => quote!(table::ValueKind::Enum(&[#(#values),*])),
        kind => {
            let kind = ident(match kind {
                ValueKind::String => "String",
                ValueKind::Integer => "Integer",
                ValueKind::Number => "Number",
                ValueKind::Boolean => "Boolean",
                ValueKind::DateTime => "DateTime",
                ValueKind::Date => "Date",
                ValueKind::Json => "Json",
                ValueKind::File | ValueKind::Enum(_) => "File",
            });
            quote!(table::ValueKind::#kind)
        }
    };
    let mut tokens = quote!(table::Arg::new(#name, #wire, table::Place::#place, #value));
    if arg.required {
        tokens = quote!(#tokens.required());
    }
    if arg.many {
        tokens = quote!(#tokens.many());
    }
    if let Some(separator) = &arg.joined_by {
        tokens = quote!(#tokens.joined_by(#separator));
    }
    if !arg.help.is_empty() {
        let help = &arg.help;
        tokens = quote!(#tokens.help(#help));
    }
    if let Some(default) = &arg.default {
        tokens = quote!(#tokens.default_value(#default));
    }
    tokens
}

fn option(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::std::option::Option::Some(#text)),
        None => quote!(::std::option::Option::None),
    }
}
