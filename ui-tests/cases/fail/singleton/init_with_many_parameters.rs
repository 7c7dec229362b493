// Any number of parameters gets the first-wins message once, not rustc's bound on a
// `__private` trait (twice) beyond the arities the probe spells out.

use singleton_runtime::singleton;

#[singleton(init = Grid::new)]
pub struct Grid {
    cells: Vec<u8>,
}

impl Grid {
    #[allow(clippy::too_many_arguments)]
    fn new(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8) -> Self {
        Grid { cells: vec![a, b, c, d, e, f, g] }
    }
}

fn main() {
    let _ = &Grid::instance().cells;
}
