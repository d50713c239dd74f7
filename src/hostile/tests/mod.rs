//! Each hostile mode against the real runner `Client`: the exact observation it becomes, within
//! generous time bounds (the machine is shared, so only upper bounds are tight).

mod lifecycle;
mod login;
mod support;
mod tls;
mod transport;
mod vcenter;
