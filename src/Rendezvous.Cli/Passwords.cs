using System.Text;

namespace Rendezvous.Cli;

/// <summary>Passwords are read from stdin or a hidden prompt, never from an argument (arguments show in ps and shell history).</summary>
internal static class Passwords
{
    /// <summary>The password from stdin (--password-stdin, or when stdin is not a terminal), else a hidden prompt.</summary>
    public static string Read(Options options, TextReader stdin, TextWriter prompts, bool confirm)
    {
        string? password;
        if (options.Has("--password-stdin") || Console.IsInputRedirected)
        {
            password = stdin.ReadLine();
        }
        else
        {
            password = Prompt("Password: ", prompts);
            if (confirm && Prompt("Repeat password: ", prompts) != password)
            {
                throw new CommandException("the passwords do not match");
            }
        }

        return string.IsNullOrEmpty(password) ? throw new CommandException("the password is empty") : password;
    }

    public static string Prompt(string label, TextWriter prompts)
    {
        prompts.Write(label);
        prompts.Flush();
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }

                continue;
            }

            text.Append(key.KeyChar);
        }

        prompts.WriteLine();
        return text.ToString();
    }
}
