// SPDX-License-Identifier: MIT
// A STAND-IN for Uniswap V1 (whose Vyper bytecode no npm package ships), for the devnet only.
// It follows the V1 interface and pricing exactly as the V1 whitepaper and the mainnet
// contract define them: a 0.3% fee taken from the input,
//   getTokenToEthInputPrice(t) = t*997*ethReserve / (tokenReserve*1000 + t*997)
// where ethReserve is the exchange's ETH balance and tokenReserve its token balance, and
// reverts like V1 on a zero amount or empty reserves. Liquidity shares are not modelled beyond
// what the devnet needs (one provider adds liquidity; nobody removes it).
pragma solidity ^0.8.20;

interface IERC20Min {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
}

contract UniswapV1ExchangeStandin {
    address public immutable tokenAddress;
    address public immutable factoryAddress;

    event TokenPurchase(address indexed buyer, uint256 indexed eth_sold, uint256 indexed tokens_bought);
    event EthPurchase(address indexed buyer, uint256 indexed tokens_sold, uint256 indexed eth_bought);
    event AddLiquidity(address indexed provider, uint256 indexed eth_amount, uint256 indexed token_amount);

    constructor(address token) {
        tokenAddress = token;
        factoryAddress = msg.sender;
    }

    /// V1's getInputPrice: the output for an exact input, fee 0.3% of the input.
    function getInputPrice(uint256 input_amount, uint256 input_reserve, uint256 output_reserve)
        public
        pure
        returns (uint256)
    {
        require(input_reserve > 0 && output_reserve > 0);
        uint256 input_amount_with_fee = input_amount * 997;
        uint256 numerator = input_amount_with_fee * output_reserve;
        uint256 denominator = input_reserve * 1000 + input_amount_with_fee;
        return numerator / denominator;
    }

    /// Adds liquidity: ETH sent with the call, `max_tokens` pulled from the sender. Returns the
    /// ETH amount as the "minted" share (shares are not tracked by this stand-in).
    function addLiquidity(uint256, uint256 max_tokens, uint256 deadline) external payable returns (uint256) {
        require(deadline > block.timestamp && max_tokens > 0 && msg.value > 0);
        require(IERC20Min(tokenAddress).transferFrom(msg.sender, address(this), max_tokens));
        emit AddLiquidity(msg.sender, msg.value, max_tokens);
        return msg.value;
    }

    function getTokenToEthInputPrice(uint256 tokens_sold) external view returns (uint256) {
        require(tokens_sold > 0);
        uint256 token_reserve = IERC20Min(tokenAddress).balanceOf(address(this));
        return getInputPrice(tokens_sold, token_reserve, address(this).balance);
    }

    function getEthToTokenInputPrice(uint256 eth_sold) external view returns (uint256) {
        require(eth_sold > 0);
        uint256 token_reserve = IERC20Min(tokenAddress).balanceOf(address(this));
        return getInputPrice(eth_sold, address(this).balance, token_reserve);
    }

    function tokenToEthSwapInput(uint256 tokens_sold, uint256 min_eth, uint256 deadline)
        external
        returns (uint256)
    {
        return _tokenToEthInput(tokens_sold, min_eth, deadline, msg.sender, msg.sender);
    }

    function tokenToEthTransferInput(uint256 tokens_sold, uint256 min_eth, uint256 deadline, address recipient)
        external
        returns (uint256)
    {
        require(recipient != address(this) && recipient != address(0));
        return _tokenToEthInput(tokens_sold, min_eth, deadline, msg.sender, recipient);
    }

    function ethToTokenSwapInput(uint256 min_tokens, uint256 deadline) external payable returns (uint256) {
        require(deadline >= block.timestamp && msg.value > 0 && min_tokens > 0);
        uint256 token_reserve = IERC20Min(tokenAddress).balanceOf(address(this));
        uint256 tokens_bought = getInputPrice(msg.value, address(this).balance - msg.value, token_reserve);
        require(tokens_bought >= min_tokens);
        require(IERC20Min(tokenAddress).transfer(msg.sender, tokens_bought));
        emit TokenPurchase(msg.sender, msg.value, tokens_bought);
        return tokens_bought;
    }

    function _tokenToEthInput(uint256 tokens_sold, uint256 min_eth, uint256 deadline, address buyer, address recipient)
        private
        returns (uint256)
    {
        require(deadline >= block.timestamp && tokens_sold > 0 && min_eth > 0);
        uint256 token_reserve = IERC20Min(tokenAddress).balanceOf(address(this));
        uint256 eth_bought = getInputPrice(tokens_sold, token_reserve, address(this).balance);
        require(eth_bought >= min_eth);
        require(IERC20Min(tokenAddress).transferFrom(buyer, address(this), tokens_sold));
        (bool sent,) = payable(recipient).call{value: eth_bought}("");
        require(sent);
        emit EthPurchase(buyer, tokens_sold, eth_bought);
        return eth_bought;
    }
}

contract UniswapV1FactoryStandin {
    mapping(address => address) internal token_to_exchange;
    mapping(address => address) internal exchange_to_token;

    event NewExchange(address indexed token, address indexed exchange);

    function createExchange(address token) external returns (address) {
        require(token != address(0) && token_to_exchange[token] == address(0));
        address exchange = address(new UniswapV1ExchangeStandin(token));
        token_to_exchange[token] = exchange;
        exchange_to_token[exchange] = token;
        emit NewExchange(token, exchange);
        return exchange;
    }

    function getExchange(address token) external view returns (address) {
        return token_to_exchange[token];
    }

    function getToken(address exchange) external view returns (address) {
        return exchange_to_token[exchange];
    }
}
