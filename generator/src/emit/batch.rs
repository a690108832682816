//! The `batch` module (feature `batch`): for each upload-and-wait operation, the three calls
//! `contractfit-batch` makes (upload, wait, find), written with the crate's own builders, and
//! a `Client` method that starts a batch with them. The engine (journal, pressure, resuming)
//! is the batch crate's; what is generated is which operations and fields it uses.

use proc_macro2::TokenStream;
use quote::quote;

use super::signature::{arguments, builder_name};
use super::types::ident;
use crate::model::{Api, Operation, UploadWait};

/// `src/batch.rs`, or `None` when no operation makes a batch.
pub fn batch_module(api: &Api, krate: &str) -> Option<TokenStream> {
    let batches: Vec<TokenStream> = api
        .batch_uploads()
        .map(|(op, upload)| batch(api, op, upload, krate))
        .collect();
    if batches.is_empty() {
        return None;
    }
    Some(quote! {
        //! Many uploads, resumable after a crash (feature `batch`): each file uploaded, waited
        //! for and kept in a journal, by the engine of
        //! [`contractfit-batch`](https://docs.rs/contractfit-batch), whose types are
        //! re-exported here.

        pub use ::contractfit_batch::{
            Batch, BatchError, Counts, Entry, Event, Failure, FailureKind, Journal, JournalError,
            Source, State, Summary, Uploads,
        };

        #(#batches)*
    })
}

fn batch(api: &Api, op: &Operation, upload: &UploadWait, krate: &str) -> TokenStream {
    let name = ident(&upload.batch);
    let method = ident(&upload.batch_method);
    let builder = builder_name(op);
    let op_method = &op.name;
    // The batch's own arguments: every required argument but the file.
    let args = arguments(op);
    let is_file: Vec<bool> = op.arguments.iter().map(|a| a.is_file()).collect();
    let own: Vec<_> = args
        .iter()
        .zip(&is_file)
        .filter(|(_, file)| !**file)
        .map(|(arg, _)| arg)
        .collect();
    let fields = own.iter().map(|a| {
        let (name, ty) = (&a.name, &a.ty);
        quote!(#name: #ty)
    });
    let params: Vec<_> = own
        .iter()
        .map(|a| {
            let (name, param) = (&a.name, &a.param);
            quote!(#name: #param)
        })
        .collect();
    let converts: Vec<_> = own
        .iter()
        .map(|a| {
            let (name, convert) = (&a.name, &a.convert);
            quote!(#name: #convert)
        })
        .collect();
    let names: Vec<_> = own.iter().map(|a| &a.name).collect();
    let new_args = args.iter().zip(&is_file).map(|(a, file)| {
        let name = &a.name;
        if *file {
            quote!(file.file_part())
        } else {
            quote!(self.#name.clone())
        }
    });
    let sets = upload.set.iter().map(|(field, value)| {
        let field = ident(field);
        quote!(.#field(#value))
    });
    let id_pointer = &upload.id_pointer;
    let polled = api.operations.iter().find(|o| o.name == upload.operation);
    let waiter = polled.and_then(|o| o.waiters.iter().find(|w| w.name == upload.waiter));
    let Some(waiter) = waiter else {
        return TokenStream::new();
    };
    let wait_builder = ident(&waiter.builder);
    let find = find(api, op, upload);
    let holds = holds(api, upload);
    let path_args = op.path.template.clone();
    let target = format!("{} {}", op.method.as_str(), path_args);
    let target_values = op
        .parameters
        .iter()
        .filter(|p| p.required && p.location == crate::model::ParamLocation::Path)
        .map(|p| {
            let name = ident(&p.rust_name);
            let placeholder = format!("{{{}}}", p.name);
            quote!(.replace(#placeholder, &::contractfit_runtime::path_segment(&self.#name).to_string()))
        });
    let type_doc = format!(
        " The calls a [`Batch`] makes to upload with [`Client::{op_method}`](crate::Client::{op_method}): \
         the upload (with {}), the wait ([`{wait_builder}`](crate::builders::{wait_builder})) and, \
         to find an upload whose answer was lost, {}. Made by \
         [`Client::{method}`](crate::Client::{method}).",
        if upload.set.is_empty() {
            "the fields as given".to_owned()
        } else {
            upload
                .set
                .iter()
                .map(|(field, value)| format!("`{field}` = `{value}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        match &upload.find {
            Some(find) => {
                let listing = format!(
                    "[`Client::{0}`](crate::Client::{0}) by `{1}`",
                    find.operation, find.since
                );
                match &find.content {
                    Some(content) => format!(
                        "{listing}, and [`Client::{content}`](crate::Client::{content}) to tell                          a document of the file's name from another's by its content"
                    ),
                    None => listing,
                }
            }
            None => "nothing: the API cannot list uploads, so such uploads are reported as \
                     uncertain"
                .to_owned(),
        }
    );
    let method_doc = format!(
        " Uploads many files with [`{op_method}`](Self::{op_method}) and waits for them, \
         resumably: see [`Batch`](crate::batch::Batch) and the `contractfit-batch` crate.\n\n\
         ```no_run\n\
         # async fn example(client: {krate}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n\
         use {krate}::batch::{{Journal, Source}};\n\
         let summary = client\n    .{method}({})\n    .journal(Journal::open(\"uploads.sqlite\")?)\n    \
         .wait(std::time::Duration::from_secs(600))\n    \
         .run([Source::path(\"invoice.pdf\")])\n    .await?;\n\
         println!(\"{{}} done, {{}} failed\", summary.done, summary.failed);\n\
         # Ok(())\n# }}\n```",
        own.iter()
            .map(|a| format!("\"{}\"", a.name.to_string().replace('_', "-")))
            .collect::<Vec<_>>()
            .join(", ")
    );
    quote! {
        #[doc = #type_doc]
        #[derive(Debug, Clone)]
        pub struct #name {
            client: ::contractfit_runtime::Client,
            #(#fields,)*
        }

        impl #name {
            pub fn new(client: &crate::Client, #(#params),*) -> Self {
                #name { client: client.runtime().clone(), #(#converts),* }
            }
        }

        impl crate::Client {
            #[doc = #method_doc]
            pub fn #method(&self, #(#params),*) -> Batch<#name> {
                Batch::new(#name::new(self, #(#names),*))
            }
        }

        impl Uploads for #name {
            fn target(&self) -> ::std::string::String {
                #target.to_owned()#(#target_values)*
            }

            fn upload<'a>(
                &'a self,
                file: &'a Source,
                options: ::contractfit_runtime::CallOptions,
            ) -> ::contractfit_runtime::futures::future::BoxFuture<'a, ::std::result::Result<::contractfit_batch::Accepted, ::contractfit_runtime::Error>> {
                ::std::boxed::Box::pin(async move {
                    let reply = crate::builders::#builder::new(self.client.clone(), #(#new_args),*)
                        #(#sets)*
                        .options(options)
                        .send_raw()
                        .await?;
                    ::contractfit_batch::id_in(reply.body.bytes, #id_pointer, crate::builders::#builder::OPERATION.name, crate::builders::#wait_builder::WAITER.name)
                })
            }

            fn wait<'a>(
                &'a self,
                id: &'a str,
                max_wait: ::std::time::Duration,
            ) -> ::contractfit_runtime::futures::future::BoxFuture<'a, ::std::result::Result<::contractfit_runtime::bytes::Bytes, ::contractfit_runtime::WaitError>> {
                ::std::boxed::Box::pin(async move {
                    crate::builders::#wait_builder::new(self.client.clone(), id.to_owned(), max_wait)
                        .polled()
                        .await
                        .map(|polled| polled.body)
                })
            }

            fn find<'a>(
                &'a self,
                name: &'a str,
                since: ::contractfit_runtime::chrono::DateTime<::contractfit_runtime::chrono::Utc>,
            ) -> ::std::option::Option<::contractfit_runtime::futures::future::BoxFuture<'a, ::std::result::Result<::std::vec::Vec<::std::string::String>, ::contractfit_batch::FindError>>> {
                #find
            }
            #holds
        }
    }
}

/// `holds`, when the overlay names an operation that streams a document's content: the
/// content read and its SHA-256 compared.
fn holds(api: &Api, upload: &UploadWait) -> TokenStream {
    let content = upload
        .find
        .as_ref()
        .and_then(|find| find.content.as_ref())
        .and_then(|content| api.operations.iter().find(|o| &o.name == content));
    let Some(content) = content else {
        return TokenStream::new();
    };
    let builder = builder_name(content);
    quote! {
        fn holds<'a>(
            &'a self,
            id: &'a str,
            sha256: &'a str,
            size: u64,
        ) -> ::std::option::Option<::contractfit_runtime::futures::future::BoxFuture<'a, ::std::result::Result<bool, ::contractfit_batch::FindError>>> {
            ::std::option::Option::Some(::std::boxed::Box::pin(async move {
                let content = crate::builders::#builder::new(self.client.clone(), id.to_owned())
                    .send()
                    .await?;
                ::contractfit_batch::has_sha256(content.body, sha256, size).await
            }))
        }
    }
}

/// The body of `find`: the listing's items since `since`, those named `name`.
fn find(api: &Api, op: &Operation, upload: &UploadWait) -> TokenStream {
    let listing = upload.find.as_ref().and_then(|find| {
        Some((
            find,
            api.operations.iter().find(|o| o.name == find.operation)?,
        ))
    });
    let Some((find, listing)) = listing else {
        return quote! {
            let _ = (name, since);
            ::std::option::Option::None
        };
    };
    let builder = builder_name(listing);
    // The listing's required parameters are the upload's of the same wire names.
    let values = listing.parameters.iter().filter(|p| p.required).map(|p| {
        let own = op
            .parameters
            .iter()
            .find(|u| u.name == p.name)
            .map(|u| ident(&u.rust_name));
        quote!(self.#own.clone())
    });
    let since = ident(&find.since);
    let page_size = listing
        .paginator
        .as_ref()
        .and_then(|p| p.size_parameter.as_ref())
        .map(|size| {
            let size = ident(size);
            quote!(.#size(::contractfit_batch::FIND_PAGE_SIZE))
        });
    let (name_pointer, id_pointer) = (&find.name_pointer, &find.id_pointer);
    quote! {
        let items = crate::builders::#builder::new(self.client.clone(), #(#values),*)
            .#since(since)
            #page_size
            .items();
        ::std::option::Option::Some(::std::boxed::Box::pin(
            ::contractfit_batch::named(items, name, #name_pointer, #id_pointer),
        ))
    }
}
