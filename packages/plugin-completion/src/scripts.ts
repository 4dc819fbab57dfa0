import type { Shell } from './engine.js';

/** A shell function name from the program's name (`kubectl-kt` → `_kubectl_kt`). */
function ident(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function bash(program: string): string {
  const fn = `${ident(program)}_complete`;
  return `# bash completion for ${program}: source <(${program} completion bash)
${fn}() {
  local line="\${COMP_LINE:0:\$COMP_POINT}" out directive=0 value prefix
  local -a words
  # Words as typed (COMP_WORDS splits at "=" and ":"); an empty last word when the cursor follows a space.
  read -ra words <<< "\$line"
  [[ "\$line" =~ [[:space:]]$ ]] && words+=("")
  out=\$("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  # What bash will replace is COMP_WORDS' current word: drop the part of ours before it ("--mode=").
  prefix="\${words[\${#words[@]}-1]}"
  prefix="\${prefix%"\${COMP_WORDS[COMP_CWORD]}"}"
  while IFS= read -r value; do
    if [[ "\$value" == :* ]]; then directive="\${value#:}"; continue; fi
    [[ -z "\$value" ]] && continue
    value="\${value%%$'\\t'*}"
    COMPREPLY+=("\${value#"\$prefix"}")
  done <<< "\$out"
  if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
  if (( \${#COMPREPLY[@]} == 0 )) && ! (( directive & 4 )); then compopt -o default 2>/dev/null; fi
  return 0
}
complete -o bashdefault -F ${fn} ${program}
`;
}

function zsh(program: string): string {
  const fn = ident(program);
  return `#compdef ${program}
# zsh completion for ${program}: source <(${program} completion zsh), after compinit
${fn}() {
  local out line value description directive=0
  local -a candidates
  out=\$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  for line in "\${(@f)out}"; do
    if [[ \$line == :* ]]; then directive=\${line#:}; continue; fi
    [[ -z \$line ]] && continue
    value=\${line%%\$'\\t'*}
    description=\${line#*\$'\\t'}
    value=\${value//:/\\\\:}
    if [[ \$description == \$line ]]; then candidates+=("\$value"); else candidates+=("\$value:\$description"); fi
  done
  if (( \${#candidates} == 0 )); then
    (( directive & 4 )) || _files
    return
  fi
  if (( directive & 2 )); then _describe -t values '${program}' candidates -S ''; else _describe -t values '${program}' candidates; fi
}
if (( \$+functions[compdef] )); then compdef ${fn} ${program}; fi
`;
}

function fish(program: string): string {
  const fn = `__${ident(program)}_complete`;
  return `# fish completion for ${program}: ${program} completion fish | source
function ${fn}
    set -l words (commandline -opc) (commandline -ct)
    set -l out (command $words[1] __complete $words[2..-1] 2>/dev/null)
    for line in $out
        string match -q -- ':*' $line; and continue
        test -n "$line"; and echo $line
    end
end
complete -c ${program} -f -a '(${fn})'
`;
}

function powershell(program: string): string {
  return `# PowerShell completion for ${program}: ${program} completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName '${program}' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $out = & $words[0] __complete @($words | Select-Object -Skip 1) 2>$null
    foreach ($line in $out) {
        if ($line -like ':*' -or $line -eq '') { continue }
        $parts = $line -split "\`t", 2
        $tip = if ($parts.Length -gt 1) { $parts[1] } else { $parts[0] }
        [System.Management.Automation.CompletionResult]::new($parts[0], $parts[0], 'ParameterValue', $tip)
    }
}
`;
}

/** The completion script of one shell for a program name (`ktctl`, or `kubectl-kt` when installed as a kubectl plugin). */
export function completionScript(shell: Shell, program: string): string {
  switch (shell) {
    case 'bash':
      return bash(program);
    case 'zsh':
      return zsh(program);
    case 'fish':
      return fish(program);
    case 'powershell':
      return powershell(program);
  }
}
