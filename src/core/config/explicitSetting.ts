/** The layers of one setting as VS Code's `WorkspaceConfiguration.inspect` reports them. */
export interface InspectedSetting<T> {
  readonly defaultValue?: T;
  readonly globalValue?: T;
  readonly workspaceValue?: T;
  readonly workspaceFolderValue?: T;
}

/**
 * The value the user set, or undefined when no settings layer holds one. `get()` alone cannot tell:
 * it answers the default declared in package.json for an unset key, which would then pass for a
 * choice and override what the environment says (the sandbox's SPOTBOX_CHECK_IP_URL).
 */
export function explicitSetting<T>(effective: T | undefined, inspected: InspectedSetting<T> | undefined): T | undefined {
  const setSomewhere = inspected !== undefined && [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue].some((value) => value !== undefined);
  return setSomewhere ? effective : undefined;
}

/** The part of a VS Code `WorkspaceConfiguration` the settings are read through. */
export interface ConfigurationLayers {
  get<T>(key: string): T | undefined;
  inspect<T>(key: string): InspectedSetting<T> | undefined;
}

/** A reader for parseSettings that yields only values the user set (see explicitSetting). */
export function explicitSettingsReader(configuration: ConfigurationLayers): (key: string) => unknown {
  return (key) => explicitSetting(configuration.get<unknown>(key), configuration.inspect<unknown>(key));
}
