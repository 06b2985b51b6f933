fn main() {
    console_error_panic_hook::set_once();
    daicho::lang::apply_remembered();
    daicho::pwa::leave_first_screen();
    leptos::mount::mount_to_body(daicho::app::App);
}
