extension DecisionRequest {
    /// What the wording provider is asked for `template`: the decision's
    /// product, every product the message names (`{products.prices}`) and
    /// the quantity it states (`{quantity}`).
    func wordingRequest(template: String, language: String) -> WordingRequest {
        WordingRequest(
            template: template, language: language, product: verdict.product,
            products: classification?.products ?? [], quantity: classification?.quantity)
    }
}
