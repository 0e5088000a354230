//! The pieces of the load generator that the allocation test shares: a minimal WebSocket
//! client framing ([`frame`]), everything protocol-specific ([`wire`]), and a blocking client on
//! the two for setting rooms up ([`blocking`]).

pub mod blocking;
pub mod frame;
pub mod wire;
