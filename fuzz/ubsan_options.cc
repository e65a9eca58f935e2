// Default UBSan options for every fuzz target, so the commands in
// docs/fuzzing.md need no environment: any report is fatal (libFuzzer then
// saves the input), except the third-party ones listed in fuzz/ubsan.supp.
// UBSAN_OPTIONS in the environment still overrides these.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" MINERAL_UBSAN_SUPPRESSIONS;
}
