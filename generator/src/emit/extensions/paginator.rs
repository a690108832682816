//! `x-contractfit-paginator`: `pages` and `items` on a listing's builder, streams that walk
//! its pages.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::types::{ident, rust_type, Scope};
use crate::model::{Api, Operation, Paginator, SuccessBody, TypeDef, TypeKind};

pub(super) fn pages_and_items(api: &Api, op: &Operation, paginator: &Paginator) -> TokenStream {
    let SuccessBody::Json(page_ty) = op.success_body() else {
        return TokenStream::new();
    };
    let page_type = rust_type(&page_ty, Scope::Crate);
    let item_type = rust_type(&paginator.item_type, Scope::Crate);
    let page_param = ident(&paginator.page_parameter);
    let first = paginator.first_page;
    let page_fields = match &page_ty {
        crate::model::TypeRef::Named(name) => match api.type_def(name) {
            Some(TypeDef {
                kind: TypeKind::Struct(s),
                ..
            }) => s.fields.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let optional = |rust_name: &str| {
        page_fields
            .iter()
            .find(|f| f.rust_name == rust_name)
            .is_some_and(|f| !f.required || f.nullable)
    };
    let wire_name = |rust_name: &str| {
        page_fields
            .iter()
            .find(|f| f.rust_name == rust_name)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    };
    let items_key = wire_name(&paginator.items_field);
    let total_key = match &paginator.total_field {
        Some(field) => {
            let key = wire_name(field);
            quote!(Some(#key))
        }
        None => quote!(None),
    };
    let items = ident(&paginator.items_field);
    let count = if optional(&paginator.items_field) {
        quote!(page.#items.as_ref().map_or(0, ::std::vec::Vec::len))
    } else {
        quote!(page.#items.len())
    };
    let total = match &paginator.total_field {
        Some(field) => {
            let field = ident(field);
            if optional(&paginator.total_field.clone().unwrap_or_default()) {
                quote!(page.#field)
            } else {
                quote!(Some(page.#field))
            }
        }
        None => quote!(None::<i64>),
    };
    let size = match &paginator.size_parameter {
        Some(size) => {
            let size = ident(size);
            quote!(self.#size)
        }
        None => quote!(None::<i64>),
    };
    quote! {
        /// Every page, one request each, from the page set on this builder (or the first)
        /// to the last: the one that is empty, short, or reaches the total. A page that
        /// does not decode ends the stream with its error, as does a page the same as the
        /// one before (a server ignoring the page number); [`items`](Self::items) reads
        /// item by item instead. The stream is `Unpin`: `while let Some(page) =
        /// pages.next().await` needs no pinning.
        pub fn pages(self) -> impl ::contractfit_runtime::futures::Stream<Item = ::std::result::Result<::contractfit_runtime::ApiResponse<#page_type>, ::contractfit_runtime::Error>> + Send + Unpin + 'static {
            let first = self.#page_param.unwrap_or(#first);
            let size = #size;
            ::contractfit_runtime::walk_pages(
                first,
                size,
                move |number| self.clone().#page_param(number).send_raw(),
                |response| {
                    let body: #page_type = response.body.json()?;
                    let page = &body;
                    let (count, total) = (#count, #total);
                    Ok((response.map(|_| body), count, total))
                },
            )
        }

        /// Every item of every page, in order, each read on its own: an item that does not
        /// have the declared shape (a required field sent as `null`, say) is an `Err` in
        /// its place, naming the item and the field, and the stream goes on with the next
        /// (stop at the first with `try_collect`). A page that cannot be read at all, or
        /// fails, ends the stream with its error. The stream is `Unpin`.
        pub fn items(self) -> impl ::contractfit_runtime::futures::Stream<Item = ::std::result::Result<#item_type, ::contractfit_runtime::Error>> + Send + Unpin + 'static {
            use ::contractfit_runtime::futures::{stream, TryStreamExt};
            let first = self.#page_param.unwrap_or(#first);
            let size = #size;
            let pages = ::contractfit_runtime::walk_pages(
                first,
                size,
                move |number| self.clone().#page_param(number).send_raw(),
                |response| {
                    let page = response.body.page_items::<#item_type>(#items_key, #total_key)?;
                    let count = page.items.len();
                    Ok((page.items, count, page.total))
                },
            );
            pages.map_ok(stream::iter).try_flatten()
        }
    }
}
