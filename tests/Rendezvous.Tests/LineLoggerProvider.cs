using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Tests;

/// <summary>A logger provider that keeps each line as "Level Category: message", for tests that read the server's log.</summary>
internal sealed class LineLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
