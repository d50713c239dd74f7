fn main() -> std::process::ExitCode {
    snapservice_conformance::cli::main()
}
