#[repr(C)]
pub struct Network {
    pub id: u32,
}
