// The resident's journey, written against the types generated from the API's OpenAPI
// document (src/schema.d.ts, made by openapi-typescript): register, sign in, fill the
// matching profile, search near home, get recommendations, save one. If the document and the
// API part ways, this fails to type-check or fails here at run time.
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Profile = components["schemas"]["Profile"];

const baseUrl = process.env.RELIER_BASE_URL ?? "http://127.0.0.1:8000";
const home = { lat: 47.2184, lng: -1.5536 }; // Nantes, where the demo directory is

let accessToken: string | undefined;
const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
    request.headers.set("Accept-Language", "en");
    return request;
  },
};

const api = createClient<paths>({ baseUrl });
api.use(bearer);

function expect(ok: boolean, step: string, detail: unknown): asserts ok {
  if (!ok) throw new Error(`${step}: ${JSON.stringify(detail)}`);
}

async function main(): Promise<void> {
  const email = `journey-${Date.now()}@example.org`;
  const password = "un mot de passe solide 25";

  const registered = await api.POST("/api/v1/auth/register/", {
    body: { email, password, display_name: "Camille", preferred_language: "fr" },
  });
  expect(registered.response.status === 201 && !!registered.data, "register", registered.error);
  console.log(`registered ${registered.data.user.email} (user ${registered.data.user.id})`);

  const signedIn = await api.POST("/api/v1/auth/token/", { body: { email, password } });
  expect(signedIn.response.status === 200 && !!signedIn.data, "token", signedIn.error);
  accessToken = signedIn.data.access;

  const categories = await api.GET("/api/v1/categories/");
  expect(!!categories.data && categories.data.length > 0, "categories", categories.error);
  const interest = categories.data[0]!.slug;

  const profile = await api.PATCH("/api/v1/me/profile/", {
    body: {
      home,
      max_distance_km: 15,
      interests: { [interest]: 1 },
      availability: ["tue_afternoon", "sat_morning"],
      languages: ["fr"],
      matching_consent: true,
    },
  });
  expect(profile.response.status === 200 && !!profile.data, "profile", profile.error);
  const stored: Profile = profile.data;
  console.log(`profile: home stored as ${JSON.stringify(stored.home)}, interests ${interest}`);

  const search = await api.GET("/api/v1/activities/", {
    params: { query: { lat: home.lat, lng: home.lng, radius_km: 10, page_size: 20 } },
  });
  expect(search.response.status === 200 && !!search.data, "search", search.error);
  const found = search.data.results;
  expect(found.length > 0, "search", "no activity near home in the demo directory");
  console.log(`search: ${found.length} activities within 10 km, first "${found[0]!.title}"`);

  const refresh = await api.POST("/api/v1/recommendations/refresh/");
  expect(refresh.response.status === 202 && refresh.data?.status === "queued", "refresh", refresh.error);

  const recommendations = await api.GET("/api/v1/recommendations/");
  expect(!!recommendations.data, "recommendations", recommendations.error);
  const items = recommendations.data.results;
  console.log(
    `recommendations: ${items.length} (engine ${recommendations.data.engine_version ?? "none yet"})` +
      (items[0] ? `, first "${items[0].activity.title}": ${items[0].reasons.map((r) => r.text).join("; ")}` : ""),
  );

  const chosen = items[0]?.activity.id ?? found[0]!.id;
  const saved = await api.POST("/api/v1/feedback/", { body: { activity: chosen, signal: "saved" } });
  expect(saved.response.status === 201 && !!saved.data, "feedback", saved.error);
  console.log(`feedback: activity ${chosen} ${saved.data.signal} as item ${saved.data.id}`);

  // Saved twice (a double tap): the same item, answered 200.
  const again = await api.POST("/api/v1/feedback/", { body: { activity: chosen, signal: "saved" } });
  expect(again.response.status === 200 && again.data?.id === saved.data.id, "feedback again", again.error);

  const savedList = await api.GET("/api/v1/feedback/", { params: { query: { signal: "saved" } } });
  expect(
    !!savedList.data && savedList.data.results.some((item) => item.id === saved.data.id),
    "saved list",
    savedList.error,
  );

  const undone = await api.DELETE("/api/v1/feedback/{id}/", { params: { path: { id: saved.data.id } } });
  expect(undone.response.status === 204, "feedback undo", undone.error);
  console.log(`feedback: item ${saved.data.id} taken back`);
}

main().catch((error: unknown) => {
  console.error(`journey failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
