import HTTPTypes
import Testing

@testable import CoachEdge

/// How the edge reads a caller's W3C trace context from its request headers.
@Suite struct TraceHeadersTests {
    let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func readsTraceParentWhateverTheHeadersCase() {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields.append(HTTPField(name: HTTPField.Name("TraceParent")!, value: parent))
        #expect(TraceHeaders.traceParent(in: fields) == parent)
    }

    @Test func twoTraceParentsAreNoContext() {
        // Read as no context at all, so the request starts a trace of its own.
        var fields = HTTPFields()
        fields.append(HTTPField(name: HTTPField.Name("traceparent")!, value: parent))
        fields.append(HTTPField(name: HTTPField.Name("traceparent")!, value: "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-01"))
        #expect(TraceHeaders.traceParent(in: fields) == nil)
    }

    @Test func traceStateSplitOverFieldsIsJoined() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: HTTPField.Name("tracestate")!, value: "a=1"))
        fields.append(HTTPField(name: HTTPField.Name("tracestate")!, value: "b=2"))
        #expect(TraceHeaders.traceState(in: fields) == "a=1, b=2")
    }

    @Test func absentFieldsAreNil() {
        let fields: HTTPFields = [.contentType: "application/json"]
        #expect(TraceHeaders.traceParent(in: fields) == nil)
        #expect(TraceHeaders.traceState(in: fields) == nil)
    }
}
