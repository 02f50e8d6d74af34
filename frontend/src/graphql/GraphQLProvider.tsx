import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { createGraphQLClient } from './client';

/**
 * Replaces the GraphQL client, dropping every cached result. Called when the
 * signed-in user changes (sign in/out), since what a query returns depends on who asks.
 */
const ResetContext = createContext<() => void>(() => {});

export function useResetGraphQLClient(): () => void {
  return useContext(ResetContext);
}

export function GraphQLProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState(createGraphQLClient);
  const reset = useCallback(() => setClient(createGraphQLClient()), []);
  return (
    <ResetContext.Provider value={reset}>
      <Provider value={client}>{children}</Provider>
    </ResetContext.Provider>
  );
}
