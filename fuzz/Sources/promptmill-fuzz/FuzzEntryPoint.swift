/// libFuzzer calls this once per input; `PROMPTMILL_FUZZ_TARGET` says which reader gets it.
///
/// A finding is anything that stops the process: a Swift trap (an index out of range, an
/// overflow, a failed `precondition` of the harness's own checks), an address-sanitizer
/// report, a hang past libFuzzer's `-timeout` or memory past its `-rss_limit_mb`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    FuzzTarget.selected.run(bytes)
    return 0
}
