/// Generated message and service types for `interviewcoach.v1` and `grpc.health.v1`.
///
/// Everything under `Generated/` comes from `Protos/` via `scripts/generate-protos`; edit the
/// `.proto` files, never the Swift output.
public enum CoachProtos {
    /// The proto package every InterviewCoach service lives in.
    public static let package = "interviewcoach.v1"
}
