import CoachCore
import CoachLLM
import CoachStore
import Foundation

/// What differs between interview questions and learning paths; everything else about
/// generating, storing and running them as tasks is shared (`GenerationOperations`).
public protocol GenerationKind: Sendable {
    associatedtype Options: Sendable & Hashable
    associatedtype Result: StoredResult & Hashable

    static var taskKind: TaskKind { get }
    static var resultNotFound: ErrorCode { get }
    static func seed(of options: Options) -> Int64?
    static func language(of options: Options) -> Language
    static func taskInput(_ options: Options) -> TaskInput
    static func options(from input: TaskInput) -> Options?
    static func taskResult(_ result: Result) -> TaskResult
    /// The tokens and cost the result took.
    static func usage(of result: Result) -> Usage
    /// About how long a streamed answer is, for progress.
    static var expectedCharacters: Int { get }
    /// Generates with the registry and wraps the output as a storable result.
    static func produce(
        registry: ProviderRegistry, resume: Resume, options: Options, seed: Int64, taskID: String?, at date: Date,
        progress: StreamingProgress?
    ) async throws -> Result
}

public enum InterviewKind: GenerationKind {
    public static let taskKind = TaskKind.interview
    public static let resultNotFound = ErrorCode.interviewNotFound
    public static func seed(of options: QuestionOptions) -> Int64? { options.seed }
    public static func language(of options: QuestionOptions) -> Language { options.language }
    public static func taskInput(_ options: QuestionOptions) -> TaskInput { .questions(options) }
    public static func options(from input: TaskInput) -> QuestionOptions? {
        if case .questions(let options) = input { return options }
        return nil
    }
    public static func taskResult(_ result: QuestionSet) -> TaskResult { .questionSet(result) }
    public static func usage(of result: QuestionSet) -> Usage { result.record.usage }

    public static let expectedCharacters = 3_000

    public static func produce(
        registry: ProviderRegistry, resume: Resume, options: QuestionOptions, seed: Int64, taskID: String?, at date: Date,
        progress: StreamingProgress?
    ) async throws -> QuestionSet {
        let generated = try await registry.questions(resume: resume.content, options: options, seed: seed, progress: progress)
        return QuestionSet(
            id: DocumentID.make(at: date), resumeID: resume.id, uniqueKey: resume.uniqueKey, questions: generated.output,
            record: generated.record, createdAt: date, taskID: taskID)
    }
}

public enum LearningKind: GenerationKind {
    public static let taskKind = TaskKind.learning
    public static let resultNotFound = ErrorCode.learningPathNotFound
    public static func seed(of options: LearningOptions) -> Int64? { options.seed }
    public static func language(of options: LearningOptions) -> Language { options.language }
    public static func taskInput(_ options: LearningOptions) -> TaskInput { .learningPath(options) }
    public static func options(from input: TaskInput) -> LearningOptions? {
        if case .learningPath(let options) = input { return options }
        return nil
    }
    public static func taskResult(_ result: LearningPath) -> TaskResult { .learningPath(result) }
    public static func usage(of result: LearningPath) -> Usage { result.record.usage }

    public static let expectedCharacters = 5_000

    public static func produce(
        registry: ProviderRegistry, resume: Resume, options: LearningOptions, seed: Int64, taskID: String?, at date: Date,
        progress: StreamingProgress?
    ) async throws -> LearningPath {
        let generated = try await registry.learningPlan(resume: resume.content, options: options, seed: seed, progress: progress)
        return LearningPath(
            id: DocumentID.make(at: date), resumeID: resume.id, uniqueKey: resume.uniqueKey, plan: generated.output,
            record: generated.record, createdAt: date, taskID: taskID)
    }
}
