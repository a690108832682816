//! Code for our extensions, one module each beside its reader in `build/extensions/`:
//! waiters (a client method and a builder each), upload-and-wait and then-wait
//! (`send_and_wait` on the call's builder) and pagination (`pages` and `items` streams).

mod paginator;
mod then_wait;
mod upload_wait;
mod waiters;

use proc_macro2::TokenStream;

use crate::model::{Api, Operation};
pub use waiters::{waiter_builders, waiter_client_methods};

/// The methods extensions add to `op`'s builder.
pub fn builder_methods(api: &Api, op: &Operation) -> TokenStream {
    let mut methods = TokenStream::new();
    if let Some(upload) = &op.upload_wait {
        methods.extend(upload_wait::send_and_wait(api, upload));
    }
    if let Some(then) = &op.then_wait {
        methods.extend(then_wait::send_and_wait(api, then));
    }
    if let Some(paginator) = &op.paginator {
        methods.extend(paginator::pages_and_items(api, op, paginator));
    }
    methods
}
