import ArgumentParser

@main
struct InterviewCoach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interview-coach",
        abstract: "Personalised interview questions and learning paths from a resume.",
        discussion: """
            `serve` runs the product (all roles in one process by default); the other commands \
            are gRPC clients of a running server.
            """,
        subcommands: [Serve.self, Resumes.self, Questions.self, LearningPathCommand.self, Providers.self, PracticeCommand.self, Keys.self, Tasks.self, Health.self])
}
