using Rendezvous.Cli;

return await Commands.RunAsync(args, Console.In, Console.Out, Console.Error);
